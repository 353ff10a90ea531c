/**
 * Warnings: what the plan decided but cannot be sure of, one line per table and kind, in
 * plan.json (PlanTable.warnings), the plan's summary, plan.sql and the report. They change no
 * action: a person reads them and, where needed, tells the config more.
 */
import {
  integerPaths,
  type JsonReferenceCandidate,
  jsonReferenceCandidates,
} from '../cell/json-paths.js';
import { formatJsonPath } from '../config/json-path.js';
import { tablePath } from '../config/policy.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { compareNames } from '../introspect/compare.js';
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
/** Documents read per JSON column, and the largest read, when looking for ids inside them. */
const SAMPLED_DOCUMENTS = 200;
const MAX_DOCUMENT_BYTES = 64 * 1024;

/** One side of the merge, as the warnings read it. */
export interface WarningSide {
  readonly pool: SessionPool;
  readonly schema: string;
  readonly info: SchemaInfo;
}

/**
 * The paths inside the JSON columns of a side's tables that are named like a reference to a
 * table's single integer key, found in sampled documents as `reconcile init` finds them (one
 * statement per JSON column; read once per side, for every remapped table's warning).
 */
export async function jsonIdPaths(side: WarningSide): Promise<JsonReferenceCandidate[]> {
  const out: JsonReferenceCandidate[] = [];
  const tables = [...side.info.tables.values()].sort((a, b) => compareNames(a.name, b.name));
  for (const t of tables) {
    for (const c of t.columns) {
      if (c.family !== 'json' || c.generated !== null) continue;
      const col = quoteId(c.name);
      const rows = await side.pool.run((s) =>
        s.rawRows(
          // As text on both servers (MySQL's driver would otherwise parse its JSON type).
          `SELECT CAST(${col} AS CHAR) FROM ${quoteTable(side.schema, t.name)} WHERE ${col} IS NOT NULL AND LENGTH(${col}) <= ? LIMIT ?`,
          [MAX_DOCUMENT_BYTES, SAMPLED_DOCUMENTS],
        ),
      );
      const docs = rows.flatMap((r) => (r[0] ? [r[0].toString('utf8')] : []));
      out.push(...jsonReferenceCandidates(side.info, t.name, c.name, integerPaths(docs)));
    }
  }
  return out;
}

/** A place that may hold a remapped table's ids: a column, or a path inside a JSON column. */
interface Holder {
  readonly table: string;
  readonly column: string;
  /** the JSON path, or '' for the column itself */
  readonly path: string;
}

/**
 * A remapped table whose moved ids some place that is not followed may hold: the columns that
 * look like references to it by name and type (introspect/reference-candidates.ts), and the
 * paths inside JSON columns named like one (`jsonPaths`, from jsonIdPaths), on the moving side,
 * that no followed reference covers, and that hold at least one of its moved ids (counted by
 * the server over a sample of them). Also a remapped table nothing follows at all.
 */
export async function unfollowedRemapWarning(
  t: TableRecord,
  all: readonly TableRecord[],
  book: RemapBook,
  side: WarningSide,
  jsonPaths: readonly JsonReferenceCandidate[] = [],
): Promise<string | null> {
  const fresh = t.fresh;
  const col = t.model.remapColumn;
  if (!fresh || !col) return null;
  const refs = all.flatMap((r) => r.model.refs.filter((x) => x.parent === t.name));
  const id = (h: Holder): string => `${h.table}\u0000${h.column}\u0000${h.path}`;
  const followed = new Set(
    refs.map((x) =>
      id({
        table: x.child,
        column: x.columns.join('\u0000'),
        path: x.path ? formatJsonPath(x.path) : '',
      }),
    ),
  );
  const holders: Holder[] = [
    ...findReferenceCandidates(side.info)
      .filter((c) => c.parent === t.name && c.rule !== 'declared' && c.columns.length === 1)
      .map((c) => ({ table: c.table, column: c.columns[0] ?? '', path: '' })),
    ...jsonPaths
      .filter((c) => c.parent === t.name)
      .map((c) => ({ table: c.table, column: c.column, path: c.path })),
  ].filter((h) => !followed.has(id(h)));
  const moved = book
    .movedKeys(t.name, fresh.summary.side, 'moves')
    .slice(0, SAMPLED_IDS)
    .flatMap((k) => {
      const v = k[t.model.key.indexOf(col.name)];
      return typeof v === 'string' ? [v] : [];
    });
  const hits: string[] = [];
  for (const h of moved.length > 0 ? holders : []) {
    const n = await countHolding(side, h, moved);
    if (n > 0)
      hits.push(
        `${h.table}.${h.column}${h.path} (${rowsText(n, fresh.summary.side)} a remapped id${moved.length === SAMPLED_IDS ? ` of ${SAMPLED_IDS} sampled` : ''})`,
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
  if (refs.length === 0) {
    return `${what}, and no reference follows it (no declared foreign key, no references in the config): if any table or other system holds these ids, declare the reference`;
  }
  return null;
}

function rowsText(n: number, side: World, one = 'holds', many = 'hold'): string {
  return `${n.toLocaleString('en-US')} ${side} row${n === 1 ? '' : 's'} ${n === 1 ? one : many}`;
}

/**
 * How many rows of the holder's table hold one of `ids` (in the side's snapshot): in the
 * column, or at the path inside its documents (an integer there, or the same digits as a string).
 */
async function countHolding(
  side: { readonly pool: SessionPool; readonly schema: string },
  h: Holder,
  ids: readonly string[],
): Promise<number> {
  const value =
    h.path === '' ? quoteId(h.column) : `JSON_UNQUOTE(JSON_EXTRACT(${quoteId(h.column)}, ?))`;
  const rows = await side.pool.run((s) =>
    s.rawRows(
      `SELECT COUNT(*) FROM ${quoteTable(side.schema, h.table)} WHERE ${value} IN (${ids.map(() => '?').join(', ')})`,
      [...(h.path === '' ? [] : [h.path]), ...ids.map((v) => BigInt(v))],
    ),
  );
  return Number(rows[0]?.[0]?.toString() ?? 0);
}
