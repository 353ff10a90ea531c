import type { Logger } from 'pino';
import { JOURNAL_TABLE } from '../apply/journal.js';
import { connect } from '../db/mysql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { Connection } from '../db/types.js';
import { type DbTarget, withSchema } from '../db/url.js';
import { digestColumns } from '../hash/digest.js';
import { introspectSchema } from '../introspect/introspect.js';
import { sha256 } from '../plan/plan-files.js';

/** The scratch schema a rehearsal of `planId` on `schema` uses: recognisable, at most 64 characters. */
export function scratchName(schema: string, planId: string): string {
  const suffix = `_rehearse_${planId.slice(0, 12)}`;
  const head = schema.length + suffix.length <= 64 ? schema : sha256(schema).slice(0, 16);
  return `${head}${suffix}`;
}

export interface CloneResult {
  readonly tables: number;
  readonly rows: number;
  /** triggers of the copied tables recreated on the copies */
  readonly triggers: number;
  /** why a trigger was not recreated (it would act on something outside the scratch schema) */
  readonly skippedTriggers: readonly string[];
  readonly seconds: number;
}

interface TriggerRow {
  name: string;
  tableName: string;
  event: string;
  timing: string;
  statement: string;
}

/**
 * Copies tables of `from` into a new schema `to` on the same server: the plan's tables, and the
 * tables their foreign keys reach in either direction (so that verify's orphan checks see the
 * same parents and children). The definitions as SHOW CREATE TABLE gives them (keys, foreign keys
 * re-pointed at the copies, AUTO_INCREMENT), then the rows, server-side, then the copied tables'
 * triggers, so that the rehearsal shows what they do to the plan's writes. A trigger whose body
 * names the source schema is not recreated: on the copy it would write to the real target.
 */
export async function cloneSchema(
  server: DbTarget,
  from: string,
  to: string,
  planTables: readonly string[],
  logger: Logger,
): Promise<CloneResult> {
  const t0 = performance.now();
  const admin = await connect(withSchema(server, from), { logger });
  let conn: Connection | null = null;
  try {
    const cs = await admin.query<{ charset: string; collation: string }>(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [from],
    );
    // Names from the server's own catalog; checked anyway, since DDL takes no placeholders.
    const word = (x: string | undefined, dflt: string): string => (x && /^\w+$/.test(x) ? x : dflt);
    const charset = word(cs[0]?.charset, 'utf8mb4');
    const collation = word(cs[0]?.collation, 'utf8mb4_general_ci');
    await admin.execute(`DROP DATABASE IF EXISTS ${quoteId(to)}`);
    await admin.execute(
      `CREATE DATABASE ${quoteId(to)} CHARACTER SET ${charset} COLLATE ${collation}`,
    );
    const schema = await introspectSchema(admin, from);
    conn = await connect(withSchema(server, to), { logger });
    // Tables are created in name order, before their parents may exist.
    await conn.execute('SET SESSION foreign_key_checks = 0');
    let rows = 0;
    let tables = 0;
    const wanted = new Set(planTables);
    for (const t of schema.tables.values()) {
      for (const fk of t.foreignKeys) {
        if (fk.refSchema !== from) continue;
        if (planTables.includes(t.name)) wanted.add(fk.refTable);
        if (planTables.includes(fk.refTable)) wanted.add(t.name);
      }
    }
    for (const t of schema.tables.values()) {
      if (t.name === JOURNAL_TABLE || !wanted.has(t.name)) continue;
      const ddl = await admin.query<Record<string, string>>(
        `SHOW CREATE TABLE ${quoteTable(from, t.name)}`,
      );
      const create = ddl[0]?.['Create Table'];
      if (!create) throw new Error(`SHOW CREATE TABLE ${from}.${t.name} returned nothing`);
      await conn.execute(create);
      const cols = digestColumns(t)
        .map((c) => quoteId(c.name))
        .join(', ');
      const r = await conn.execute(
        `INSERT INTO ${quoteTable(to, t.name)} (${cols}) SELECT ${cols} FROM ${quoteTable(from, t.name)}`,
      );
      rows += r.affectedRows;
      tables++;
    }
    const copied = await copyTriggers(admin, conn, from, wanted);
    return { tables, rows, ...copied, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await conn?.close();
    await admin.close();
  }
}

/**
 * Recreates the triggers of the copied tables on `to` (after the rows are in, so the copy fires
 * none), in their order of action, without their DEFINER (the rehearsing user runs them).
 */
async function copyTriggers(
  admin: Connection,
  conn: Connection,
  from: string,
  tables: ReadonlySet<string>,
): Promise<{ triggers: number; skippedTriggers: string[] }> {
  const rows = await admin.query<TriggerRow>(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tableName, EVENT_MANIPULATION AS event,
            ACTION_TIMING AS timing, ACTION_STATEMENT AS statement
       FROM information_schema.TRIGGERS
      WHERE EVENT_OBJECT_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [from],
  );
  let triggers = 0;
  const skippedTriggers: string[] = [];
  for (const t of rows) {
    if (!tables.has(t.tableName)) continue;
    if (t.statement.toLowerCase().includes(from.toLowerCase())) {
      skippedTriggers.push(
        `trigger ${t.name} on ${t.tableName} names the target schema ${from}: not copied to the scratch schema (it would act on the real target), so what it does was not rehearsed`,
      );
      continue;
    }
    // Keywords from the server's catalog; checked anyway, since DDL takes no placeholders.
    if (!/^(BEFORE|AFTER)$/.test(t.timing) || !/^(INSERT|UPDATE|DELETE)$/.test(t.event)) {
      throw new Error(`unexpected trigger ${t.name}: ${t.timing} ${t.event}`);
    }
    try {
      await conn.execute(
        `CREATE TRIGGER ${quoteId(t.name)} ${t.timing} ${t.event} ON ${quoteId(t.tableName)} FOR EACH ROW ${t.statement}`,
      );
      triggers++;
    } catch (e) {
      // Most often no TRIGGER grant on the scratch schema: the rehearsal goes on, and says so.
      skippedTriggers.push(
        `trigger ${t.name} on ${t.tableName} could not be recreated on the scratch schema (${e instanceof Error ? e.message.split(' [in:')[0] : String(e)}), so what it does was not rehearsed`,
      );
    }
  }
  return { triggers, skippedTriggers };
}

export async function dropScratch(server: DbTarget, name: string, logger: Logger): Promise<void> {
  const c = await connect(server, { noSchema: true, logger });
  try {
    await c.execute(`DROP DATABASE IF EXISTS ${quoteId(name)}`);
  } finally {
    await c.close();
  }
}
