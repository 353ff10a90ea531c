/**
 * The integrity checks of `verify` against a session: references without a parent (by the
 * parent's islands where that is cheap and exact, else by an anti-join), unique keys held twice.
 */
import type { RawRow, Session } from '../db/types.js';
import type { KeySpan } from '../diff/table-digest.js';
import type { SchemaInfo, TableInfo } from '../introspect/types.js';
import {
  duplicateQuery,
  type Island,
  islandsQuery,
  MAX_ISLANDS,
  orphanOutsideQuery,
  orphanQuery,
  type Reference,
} from './integrity-sql.js';

/** How orphans were counted: the anti-join, or children outside the parent's islands. */
export type OrphanWay = 'join' | 'islands';

export interface OrphansFound {
  readonly count: number;
  /** the reference's values of up to 5 orphans, smallest first */
  readonly sample: readonly RawRow[];
  readonly way: OrphanWay;
}

/**
 * The orphans of `r`. With `islands`, first the parent's runs of consecutive values (one scan
 * of the parent's index); when there are at most `maxIslands`, the children outside all of them
 * are read by ranges of the child's index. Otherwise (or with more islands) the anti-join.
 * Both run on `s`: on a snapshot, they see one state of both tables. `islands` only for integer
 * columns on both sides (see islandsFit).
 */
export async function findOrphans(
  s: Session,
  r: Reference,
  islands: boolean,
  maxIslands = MAX_ISLANDS,
): Promise<OrphansFound> {
  // Islands are of one column's integers; never for two columns or values inside documents.
  if (islands && oneColumn(r)) {
    const rows = await s.rawRows(
      islandsQuery(r.refSchema, r.refTable, r.refColumns[0] ?? '', maxIslands + 1),
    );
    if (rows.length <= maxIslands) return orphansOutside(s, r, rows.map(island));
  }
  return orphansByJoin(s, r);
}

function oneColumn(r: Reference): boolean {
  return r.columns.length === 1 && !r.path;
}

function island(x: RawRow): Island {
  return [x[0]?.toString() ?? '', x[1]?.toString() ?? ''];
}

/** The orphans of `r` by the anti-join (orphanQuery). */
export async function orphansByJoin(s: Session, r: Reference): Promise<OrphansFound> {
  const q = orphanQuery(r, 'count');
  const count = countOf(await s.rawRows(q.sql, q.params));
  const sq = orphanQuery(r, 'sample');
  const sample = count > 0 ? await s.rawRows(sq.sql, sq.params) : [];
  return { count, sample, way: 'join' };
}

/** The orphans of a one-integer-column `r` whose parent's values are exactly `islands`. */
export async function orphansOutside(
  s: Session,
  r: Reference,
  islands: readonly Island[],
): Promise<OrphansFound> {
  if (!oneColumn(r)) throw new Error(`islands for a reference of one column only (${r.name})`);
  const count = countOf(await s.rawRows(orphanOutsideQuery(r, islands, 'count')));
  const sample = count > 0 ? await s.rawRows(orphanOutsideQuery(r, islands, 'sample')) : [];
  return { count, sample, way: 'islands' };
}

/**
 * The islands of a parent's single integer key, which cannot repeat a value or be NULL (a
 * primary key), from its digest's pieces (KeySpan): a piece whose rows are as many as the
 * integers from its MIN to its MAX holds every one of them, one island at no further cost;
 * another piece's islands are read by islandsQuery within its range. Adjacent islands are
 * joined. Null when there are more than `maxIslands`.
 */
export async function islandsFromSpans(
  s: Session,
  schema: string,
  table: string,
  column: string,
  spans: readonly KeySpan[],
  maxIslands = MAX_ISLANDS,
): Promise<Island[] | null> {
  const out: [bigint, bigint][] = [];
  const add = (lo: bigint, hi: bigint): void => {
    const last = out[out.length - 1];
    if (last && last[1] + 1n === lo) last[1] = hi;
    else out.push([lo, hi]);
  };
  for (const p of spans) {
    if (p.count === 0n || p.min === null || p.max === null) continue;
    if (p.max - p.min + 1n === p.count) {
      add(p.min, p.max);
    } else {
      const range = { lo: p.lo?.toString() ?? null, hi: p.hi?.toString() ?? null };
      const rows = await s.rawRows(islandsQuery(schema, table, column, maxIslands + 1, range));
      for (const [lo, hi] of rows.map(island)) add(BigInt(lo), BigInt(hi));
    }
    if (out.length > maxIslands) return null;
  }
  return out.map(([lo, hi]) => [lo.toString(), hi.toString()]);
}

function countOf(rows: readonly RawRow[]): number {
  return Number(rows[0]?.[0]?.toString() ?? 0);
}

/**
 * Whether `r` can be checked by islands, and is likely cheaper so: one integer column to an
 * integer column of a table in `schema`, not inside JSON documents, and a parent not much
 * larger than the child (the islands read the parent, the anti-join looks up each child).
 */
export function islandsFit(r: Reference, schema: SchemaInfo): boolean {
  if (r.path || r.columns.length !== 1 || r.refSchema !== schema.schema) return false;
  if (r.schema !== schema.schema) return false;
  const child = schema.tables.get(r.table);
  const parent = schema.tables.get(r.refTable);
  if (!child || !parent) return false;
  const c = child.columns.find((x) => x.name === r.columns[0]);
  const p = parent.columns.find((x) => x.name === r.refColumns[0]);
  if (c?.family !== 'integer' || p?.family !== 'integer') return false;
  return parent.rowsEstimate <= 2 * child.rowsEstimate + 10_000;
}

/**
 * The unique keys whose duplicates verify looks for: every complete (not prefix) UNIQUE key,
 * and the PRIMARY KEY except on InnoDB: InnoDB refuses a second row with the same primary key
 * even with unique_checks=0 (the rows are that index), where a secondary unique index loaded
 * that way can hold a value twice.
 */
export function uniqueKeysToCheck(t: TableInfo): { name: string; columns: readonly string[] }[] {
  const out: { name: string; columns: readonly string[] }[] = [];
  if (t.primaryKey && t.engine?.toLowerCase() !== 'innodb')
    out.push({ name: 'PRIMARY', columns: t.primaryKey });
  for (const u of t.uniqueKeys) if (!u.prefix) out.push({ name: u.name, columns: u.columns });
  return out;
}

/** Values of `columns` held by more than one row of `table` (up to 5), and how many rows each. */
export async function findDuplicates(
  s: Session,
  schema: string,
  table: string,
  columns: readonly string[],
): Promise<RawRow[]> {
  return s.rawRows(duplicateQuery(schema, table, columns));
}
