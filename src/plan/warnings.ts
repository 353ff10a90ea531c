/**
 * Warnings: what the plan decided but cannot be sure of, one line per table and kind, in
 * plan.json (PlanTable.warnings), the plan's summary, plan.sql and the report. They change no
 * action: a person reads them and, where needed, tells the config more.
 */
import { tablePath } from '../config/policy.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { findReferenceCandidates } from '../introspect/reference-candidates.js';
import type { SchemaInfo } from '../introspect/types.js';
import type { RemapBook } from './remap-book.js';
import type { World } from './table-model.js';
import type { TableRecord } from './table-record.js';

/** Changed rows dated the incident's day, in a table whose createdAt is a DATE. */
export function ambiguousCreatedWarning(t: TableRecord): string | null {
  const n = t.diff.ambiguousCreated;
  const p = t.model.policy;
  if (n === 0 || p.createdAt === null || p.createdAfter === null) return null;
  const [day, time] = p.createdAfter.local.split(' ');
  const rows = n === 1 ? '1 row changed on both sides has' : `${n} rows changed on both sides have`;
  return `${rows} ${p.createdAt} = ${day}, the day incident.start falls on: a DATE cannot tell whether ${n === 1 ? 'it was' : 'they were'} created before or after ${time?.slice(0, 8)}; taken as edits of the backup's rows (set ${tablePath(t.name, 'createdAfter')} to draw the line where it belongs, e.g. at the start of that day)`;
}

/** Remapped ids sampled when counting the rows of a column that hold one (one statement). */
const SAMPLED_IDS = 1000;

/**
 * A remapped table whose moved ids some column that is not followed may hold: the columns that
 * look like references to it by name and type (introspect/reference-candidates.ts) on the
 * moving side, that no followed reference covers, and that hold at least one of its moved ids
 * (counted by the server over a sample of them). Also a remapped table nothing follows at all.
 */
export async function unfollowedRemapWarning(
  t: TableRecord,
  all: readonly TableRecord[],
  book: RemapBook,
  side: { readonly pool: SessionPool; readonly schema: string; readonly info: SchemaInfo },
): Promise<string | null> {
  const fresh = t.fresh;
  const col = t.model.remapColumn;
  if (!fresh || !col) return null;
  const followed = new Set(
    all.flatMap((r) =>
      r.model.refs
        .filter((x) => x.parent === t.name)
        .map((x) => `${x.child}\u0000${x.columns.join('\u0000')}`),
    ),
  );
  const candidates = findReferenceCandidates(side.info).filter(
    (c) =>
      c.parent === t.name &&
      c.rule !== 'declared' &&
      c.columns.length === 1 &&
      !followed.has(`${c.table}\u0000${c.columns.join('\u0000')}`),
  );
  const moved = book
    .movedKeys(t.name, fresh.summary.side, 'moves')
    .slice(0, SAMPLED_IDS)
    .flatMap((k) => {
      const v = k[t.model.key.indexOf(col.name)];
      return typeof v === 'string' ? [v] : [];
    });
  const hits: string[] = [];
  for (const c of candidates) {
    const column = c.columns[0];
    if (column === undefined || moved.length === 0) continue;
    const n = await countHolding(side, c.table, column, moved);
    if (n > 0)
      hits.push(
        `${c.table}.${column} (${rowsText(n, fresh.summary.side)} a remapped id${moved.length === SAMPLED_IDS ? ` of ${SAMPLED_IDS} sampled` : ''})`,
      );
  }
  const what = `${t.name}.${col.name} is remapped (${rowsText(fresh.summary.count, fresh.summary.side, 'gets', 'get')} a new id)`;
  if (hits.length > 0) {
    const cols =
      hits.length === 1
        ? 'a column that looks like a reference to it is'
        : 'columns that look like references to it are';
    return `${what}, and ${cols} not followed: ${hits.join(', ')}: those rows would keep pointing at the ids' old owners; declare each in tables.<table>.references (or as a foreign key), or make sure it is no reference`;
  }
  if (followed.size === 0) {
    return `${what}, and no reference follows it (no declared foreign key, no references in the config): if any table or other system holds these ids, declare the reference`;
  }
  return null;
}

function rowsText(n: number, side: World, one = 'holds', many = 'hold'): string {
  return `${n.toLocaleString('en-US')} ${side} row${n === 1 ? '' : 's'} ${n === 1 ? one : many}`;
}

/** How many rows of `table` hold one of `ids` in `column` (in the side's snapshot). */
async function countHolding(
  side: { readonly pool: SessionPool; readonly schema: string },
  table: string,
  column: string,
  ids: readonly string[],
): Promise<number> {
  const rows = await side.pool.run((s) =>
    s.rawRows(
      `SELECT COUNT(*) FROM ${quoteTable(side.schema, table)} WHERE ${quoteId(column)} IN (${ids.map(() => '?').join(', ')})`,
      ids.map((v) => BigInt(v)),
    ),
  );
  return Number(rows[0]?.[0]?.toString() ?? 0);
}
