/**
 * Fresh ids, reserved before the first batch in every mode. A plan hands colliding rows fresh
 * ids above both sides' largest id as they were when it was made; an application that keeps
 * writing (a live interim) takes ids from the same AUTO_INCREMENT counter. So, before anything
 * is written:
 * - no row of the target may hold an id of the plan's fresh ranges (the interim grew into them
 *   since the plan: refused, make the plan again, with `remapHeadroom` if it keeps growing);
 * - every counter the plan names is raised at once to its `next` (past every id the plan
 *   writes), so rows inserted while the run goes on (sign-ups) take ids past the plan's.
 * The counters' values before the apply are in the journal's start row: rollback puts them back.
 */
import { quoteId, quoteTable } from '../db/quote.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import type { PlanManifest } from '../plan/format.js';
import type { TableRun } from './plan-tables.js';

/** A fresh range some rows of the target already hold. */
export interface TakenRange {
  readonly table: string;
  readonly column: string;
  readonly first: string;
  readonly last: string;
  readonly rows: number;
}

/** The plan's fresh ranges that rows of `schema` hold now (one index range scan each). */
export async function takenFreshIds(
  s: Session,
  schema: string,
  manifest: PlanManifest,
  runs: readonly TableRun[],
): Promise<TakenRange[]> {
  const planned = new Set(runs.map((r) => r.plan.table));
  const out: TakenRange[] = [];
  for (const m of manifest.remaps) {
    if (!planned.has(m.table) || m.count === 0) continue;
    const rows = await s.rawRows(
      `SELECT COUNT(*) FROM ${quoteTable(schema, m.table)} WHERE ${quoteId(m.column)} BETWEEN ? AND ?`,
      [BigInt(m.first), BigInt(m.last)],
    );
    const n = Number(rows[0]?.[0]?.toString() ?? '0');
    if (n > 0)
      out.push({ table: m.table, column: m.column, first: m.first, last: m.last, rows: n });
  }
  return out;
}

/** Refuses (reason `fresh-ids-taken`) when rows hold ids of the plan's fresh ranges. */
export async function checkFreshIds(
  s: Session,
  schema: string,
  where: string,
  manifest: PlanManifest,
  runs: readonly TableRun[],
): Promise<void> {
  const taken = await takenFreshIds(s, schema, manifest, runs);
  const first = taken[0];
  if (!first) return;
  const more = taken.length > 1 ? `; and ${taken.length - 1} more table(s)` : '';
  throw new PreconditionError(
    'fresh-ids-taken',
    `${where}: ${first.rows.toLocaleString('en-US')} row(s) of ${first.table} hold ids the plan hands out (${first.column} ${first.first}..${first.last})${more}: the table grew into them since the plan was made; nothing was written; make the plan again (for a target that keeps taking rows, leave room with remapHeadroom in the config)`,
    { table: first.table },
  );
}
