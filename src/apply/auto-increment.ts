import { quoteId, quoteTable } from '../db/quote.js';
import type { Session } from '../db/types.js';
import { faultOf } from '../faults.js';
import type { JournalAutoinc } from './journal.js';
import type { TableRun } from './plan-tables.js';

/** The table's AUTO_INCREMENT counter as the server has it now (null: the table has none). */
export async function readAutoIncrement(
  s: Session,
  schema: string,
  table: string,
): Promise<string | null> {
  // MySQL 8 caches information_schema table statistics for a day by default.
  if (s.server.flavor === 'mysql') {
    await s.execute('SET SESSION information_schema_stats_expiry = 0');
  }
  const rows = await s.query<{ ai: string | number | null }>(
    'SELECT AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [schema, table],
  );
  const ai = rows[0]?.ai;
  return ai === null || ai === undefined ? null : String(ai);
}

/** A table's AUTO_INCREMENT counter at one moment (null: the server reports none). */
export interface Counter {
  readonly table: string;
  readonly value: string | null;
}

/**
 * The counters of `tables` as the server has them now, in one query: what apply records before
 * its first batch, and what rollback puts back and then checks.
 */
export async function readAutoIncrements(
  s: Session,
  schema: string,
  tables: readonly string[],
): Promise<Counter[]> {
  if (s.server.flavor === 'mysql') {
    await s.execute('SET SESSION information_schema_stats_expiry = 0');
  }
  const rows = await s.query<{ t: string; ai: string | number | null }>(
    'SELECT TABLE_NAME AS t, AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [schema],
  );
  const byName = new Map(rows.map((r) => [r.t, r.ai]));
  return tables.map((table) => {
    const ai = byName.get(table);
    return { table, value: ai === null || ai === undefined ? null : String(ai) };
  });
}

/**
 * Sets the counter with ALTER TABLE (a DDL: it commits on its own, and takes no placeholder,
 * so the value is checked to be digits). The server never sets it at or below the column's
 * maximum, whatever is asked.
 */
export async function setAutoIncrement(
  s: Session,
  schema: string,
  table: string,
  value: string,
): Promise<void> {
  if (!/^\d+$/.test(value))
    throw new Error(`AUTO_INCREMENT value ${JSON.stringify(value)} is not an integer`);
  await s.execute(`ALTER TABLE ${quoteTable(schema, table)} AUTO_INCREMENT = ${value}`);
}

/**
 * setAutoIncrement on a table the application keeps using: the ALTER waits for a metadata lock,
 * and while it waits every new statement on the table queues behind it. So it waits at most
 * `waitSeconds` at a time (lock_wait_timeout) and tries again, `tries` times, letting the
 * application's queries through in between.
 */
export async function setAutoIncrementGently(
  s: Session,
  schema: string,
  table: string,
  value: string,
  waitSeconds = 2,
  tries = 15,
): Promise<void> {
  const before = await s.query<{ v: string | number }>('SELECT @@SESSION.lock_wait_timeout AS v');
  await s.execute(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(waitSeconds))}`);
  try {
    for (let i = 1; ; i++) {
      try {
        await setAutoIncrement(s, schema, table, value);
        return;
      } catch (e) {
        if (i >= tries || faultOf(e)?.code !== 'ER_LOCK_WAIT_TIMEOUT') throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await s.execute(`SET SESSION lock_wait_timeout = ${Number(before[0]?.v ?? 31536000)}`);
  }
}

/** Whether the counter must be raised to reach `next` (never lowered: ids handed out stay used). */
export function needsRaise(current: string | null, next: string): boolean {
  return current === null || BigInt(current) < BigInt(next);
}

/**
 * What a table's AUTO_INCREMENT must reach after the writes: the plan's `next`, and in any case
 * past the largest id now in the column. Current servers raise the counter themselves when a
 * row is inserted or moved (a remap's UPDATE) past it; older ones (MySQL 5.7) did not on UPDATE,
 * and the plan's `next` may ask for more. Checking costs one index lookup.
 * Null when the table has no AUTO_INCREMENT column and the plan asks nothing.
 */
export async function autoIncrementTarget(
  s: Session,
  schema: string,
  r: TableRun,
): Promise<{ column: string; next: string } | null> {
  const planned = r.plan.autoIncrement;
  const column = planned?.column ?? r.info.columns.find((c) => c.autoIncrement)?.name;
  if (!column) return null;
  const rows = await s.rawRows(
    `SELECT MAX(${quoteId(column)}) FROM ${quoteTable(schema, r.plan.table)}`,
  );
  const max = rows[0]?.[0]?.toString();
  const pastMax = max !== undefined && /^-?\d+$/.test(max) ? BigInt(max) + 1n : 1n;
  const next = planned && BigInt(planned.next) > pastMax ? BigInt(planned.next) : pastMax;
  return { column, next: next.toString() };
}

export type { JournalAutoinc };
