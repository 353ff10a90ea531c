/**
 * Pure SQL builders for apply and rollback: they take a table's shape and return statements
 * with placeholders. No connection here. Every identifier goes through quoteId; every value is
 * a placeholder.
 */

import { paramFromCell } from '../cell/cell-codec.js';
import type { Cell, Row } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SqlParam } from '../db/types.js';
import type { ColumnInfo } from '../introspect/types.js';
import { exactCondition } from '../plan/exact-match.js';

/** A plan table as apply writes it. */
export interface TableShape {
  /** the schema written (the target, or a rehearsal's scratch copy) */
  readonly schema: string;
  readonly name: string;
  /** the stored columns, in the plan's (name) order: what rows and digests cover */
  readonly columns: readonly ColumnInfo[];
  /** the key columns actions are addressed by; empty for a table without a key */
  readonly key: readonly ColumnInfo[];
  /** MySQL keeps JSON binary; MariaDB keeps it as text */
  readonly flavor: 'mariadb' | 'mysql';
}

export interface Statement {
  readonly sql: string;
  readonly params: SqlParam[];
}

const table = (s: TableShape): string => quoteTable(s.schema, s.name);
const columnList = (cols: readonly ColumnInfo[]): string =>
  cols.map((c) => quoteId(c.name)).join(', ');

/** The value of `name` in an action's row; a missing column is a malformed plan, never NULL. */
export function cellOf(row: Row, name: string, what: string): Cell {
  if (!Object.hasOwn(row, name)) {
    throw new MalformedActionError(`${what} has no value for column ${JSON.stringify(name)}`);
  }
  return row[name] ?? null;
}

/** A plan action that does not fit its table (a bug in whatever wrote the plan). */
export class MalformedActionError extends Error {
  override readonly name = 'MalformedActionError';
}

/** Cells of `row` in the shape's column order. */
export function rowCells(s: TableShape, row: Row, what: string): Cell[] {
  return s.columns.map((c) => cellOf(row, c.name, what));
}

/** Cells of the key columns of `row` (a key object or a whole row). */
export function keyCells(s: TableShape, row: Row, what: string): Cell[] {
  return s.key.map((c) => cellOf(row, c.name, what));
}

/**
 * A key value's placeholder, typed so that the server compares exactly what the plan names:
 * - integers and BIT as bigint parameters, which the driver writes as bare integer literals
 *   (a string compared with a BIGINT goes through a double; a BIT compared with a byte string
 *   compares as text). Bare literals are also cheaper in a long IN list than a CAST each;
 * - DECIMAL through a DECIMAL as wide as the column's scale (not a double);
 * - FLOAT and DOUBLE through a cast to the column's own type: the server's text form of a FLOAT
 *   ('1.1') read back as a double is not the stored value;
 * - everything else (text, ENUM and SET labels, dates, bytes) as it is, compared under the
 *   column's own collation, as the key itself is.
 */
export function keyPlaceholder(c: ColumnInfo): string {
  switch (c.family) {
    case 'decimal':
      return `CAST(? AS DECIMAL(65, ${Math.min(30, c.numericScale ?? 0)}))`;
    case 'float':
      return c.dataType === 'float' ? 'CAST(? AS FLOAT)' : 'CAST(? AS DOUBLE)';
    default:
      return '?';
  }
}

export function keyParam(c: ColumnInfo, v: Cell): SqlParam {
  if (v === null) return null;
  if (c.family === 'bit') {
    const hex = typeof v === 'string' ? '' : v.hex;
    return hex.length > 0 ? BigInt(`0x${hex}`) : 0n;
  }
  if (c.family !== 'integer') return paramFromCell(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
    throw new MalformedActionError(`key column ${c.name}: ${JSON.stringify(v)} is not an integer`);
  }
  return BigInt(v);
}

/** `a = ? AND b = ?`, each placeholder typed so the server compares exactly. */
function keyEquals(s: TableShape, key: readonly Cell[]): Statement {
  return {
    sql: s.key.map((c) => `${quoteId(c.name)} = ${keyPlaceholder(c)}`).join(' AND '),
    params: s.key.map((c, i) => keyParam(c, key[i] ?? null)),
  };
}

/** `k IN (?, ?)` or `(a, b) IN ((?, ?), (?, ?))`: the index answers it as point lookups. */
export function keysIn(s: TableShape, keys: readonly (readonly Cell[])[]): Statement {
  const phs = s.key.map(keyPlaceholder);
  const params = keys.flatMap((k) => s.key.map((c, i) => keyParam(c, k[i] ?? null)));
  if (s.key.length === 1) {
    return {
      sql: `${quoteId((s.key[0] as ColumnInfo).name)} IN (${keys.map(() => phs[0]).join(', ')})`,
      params,
    };
  }
  const tuple = `(${phs.join(', ')})`;
  return {
    sql: `(${columnList(s.key)}) IN (${keys.map(() => tuple).join(', ')})`,
    params,
  };
}

/** Runs of consecutive integers at least this long are addressed as a range. */
export const MIN_RANGE = 16;

/**
 * Keys to address: listed ones, and for a table keyed by one integer column, inclusive ranges
 * [lo, hi] every integer of which is a key. Restored ids usually come in long runs: a range is
 * one index range scan instead of a lookup per key, and two numbers in the journal.
 */
export interface KeySet {
  readonly keys: Cell[][];
  readonly ranges: [string, string][];
}

/** Finds the runs of consecutive values among a single integer key's values. */
export function compactKeys(s: TableShape, keys: readonly (readonly Cell[])[]): KeySet {
  const listed = { keys: keys.map((k) => [...k]), ranges: [] };
  const only = s.key.length === 1 ? s.key[0] : undefined;
  if (only?.family !== 'integer' || keys.length < MIN_RANGE) return listed;
  const sorted = keys
    .map((k) => keyParam(only, k[0] ?? null) as bigint)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: [string, string][] = [];
  const rest: Cell[][] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    const prev = sorted[i - 1] as bigint;
    if (i < sorted.length && (sorted[i] as bigint) === prev + 1n) continue;
    if (i - start >= MIN_RANGE) ranges.push([String(sorted[start]), String(prev)]);
    else for (const v of sorted.slice(start, i)) rest.push([String(v)]);
    start = i;
  }
  return ranges.length === 0 ? listed : { keys: rest, ranges };
}

/** The rows at exactly the keys of a set: `k BETWEEN ? AND ?` per range, the rest listed. */
export function keySetWhere(s: TableShape, set: KeySet): Statement {
  if (set.ranges.length === 0) return keysIn(s, set.keys);
  const col = quoteId((s.key[0] as ColumnInfo).name);
  const parts = set.ranges.map(() => `${col} BETWEEN ? AND ?`);
  const params: SqlParam[] = set.ranges.flatMap(([lo, hi]) => [BigInt(lo), BigInt(hi)]);
  if (set.keys.length > 0) {
    const rest = keysIn(s, set.keys);
    parts.push(rest.sql);
    params.push(...rest.params);
  }
  return { sql: parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`, params };
}

/** The rows at exactly these keys (ranges where they run, see `KeySet`). */
export function keysWhere(s: TableShape, keys: readonly (readonly Cell[])[]): Statement {
  return keySetWhere(s, compactKeys(s, keys));
}

/**
 * The row equal to `cells` (a table without a key), as `exactCondition` defines equality: the
 * same condition plan.sql writes with literals. Without an index this scans: such tables are
 * small.
 */
function exactMatch(s: TableShape, cells: readonly Cell[]): Statement {
  const params: SqlParam[] = [];
  const bind = (v: Buffer | string): string => {
    params.push(v);
    return '?';
  };
  const sql = s.columns.map((c, i) => exactCondition(c, cells[i] ?? null, s.flavor, bind));
  return { sql: sql.join(' AND '), params };
}

/** INSERT of whole rows shipped from the client; every stored column is given explicitly. */
export function insertValues(s: TableShape, rows: readonly (readonly Cell[])[]): Statement {
  const tuple = `(${s.columns.map(() => '?').join(', ')})`;
  return {
    sql: `INSERT INTO ${table(s)} (${columnList(s.columns)}) VALUES ${rows.map(() => tuple).join(', ')}`,
    params: rows.flatMap((r) => r.map(paramFromCell)),
  };
}

/**
 * INSERT … SELECT of rows the backup holds unchanged, by key: the rows never leave the server.
 * Exactly the listed keys are selected (a range only where it holds nothing but listed keys), so
 * no backup row the plan does not restore can slip in; the caller checks every key was found.
 */
export function insertSelect(s: TableShape, fromSchema: string, keys: KeySet): Statement {
  const where = keySetWhere(s, keys);
  const cols = columnList(s.columns);
  return {
    sql: `INSERT INTO ${table(s)} (${cols}) SELECT ${cols} FROM ${quoteTable(fromSchema, s.name)} WHERE ${where.sql}`,
    params: where.params,
  };
}

/**
 * The smallest and largest key of a set, for a table keyed by one integer column whose set
 * lists keys one by one (no consecutive run to use as a range): null otherwise.
 */
export function keySpan(s: TableShape, set: KeySet): [bigint, bigint] | null {
  const only = s.key.length === 1 ? s.key[0] : undefined;
  if (only?.family !== 'integer' || set.keys.length < MIN_RANGE) return null;
  let lo: bigint | null = null;
  let hi: bigint | null = null;
  const see = (v: bigint): void => {
    if (lo === null || v < lo) lo = v;
    if (hi === null || v > hi) hi = v;
  };
  for (const k of set.keys) see(keyParam(only, k[0] ?? null) as bigint);
  for (const [a, b] of set.ranges) {
    see(BigInt(a));
    see(BigInt(b));
  }
  return lo === null || hi === null ? null : [lo, hi];
}

/**
 * How many rows `fromSchema` holds with lo <= key <= hi, and how many of those are keys of the
 * set: when both equal the set's size, the span holds exactly the set, and copying the span is
 * copying the set.
 */
export function spanCheck(
  s: TableShape,
  fromSchema: string,
  set: KeySet,
  span: readonly [bigint, bigint],
): Statement {
  const inSet = keySetWhere(s, set);
  const col = quoteId((s.key[0] as ColumnInfo).name);
  return {
    sql: `SELECT COUNT(*), COALESCE(SUM(${inSet.sql}), 0) FROM ${quoteTable(fromSchema, s.name)} WHERE ${col} BETWEEN ? AND ?`,
    params: [...inSet.params, span[0], span[1]],
  };
}

/** INSERT … SELECT of the rows with lo <= key <= hi (a span `spanCheck` found to be exactly a set). */
export function insertSelectSpan(
  s: TableShape,
  fromSchema: string,
  span: readonly [bigint, bigint],
): Statement {
  const cols = columnList(s.columns);
  const col = quoteId((s.key[0] as ColumnInfo).name);
  return {
    sql: `INSERT INTO ${table(s)} (${cols}) SELECT ${cols} FROM ${quoteTable(fromSchema, s.name)} WHERE ${col} BETWEEN ? AND ?`,
    params: [span[0], span[1]],
  };
}

/** The current rows at these keys, locked until the batch commits: the undo images. */
export function selectForUpdate(s: TableShape, keys: readonly (readonly Cell[])[]): Statement {
  const where = keysWhere(s, keys);
  return {
    sql: `SELECT ${columnList(s.columns)} FROM ${table(s)} WHERE ${where.sql} FOR UPDATE`,
    params: where.params,
  };
}

/** One row by key, locked (the fallback when a key's bytes differ from the stored ones). */
export function selectOneForUpdate(s: TableShape, key: readonly Cell[]): Statement {
  const where = keyEquals(s, key);
  return {
    sql: `SELECT ${columnList(s.columns)} FROM ${table(s)} WHERE ${where.sql} FOR UPDATE`,
    params: where.params,
  };
}

/**
 * Sets every stored column of the row at `key`: giving each column explicitly keeps
 * `ON UPDATE CURRENT_TIMESTAMP` from firing, so the row ends exactly as the plan says.
 */
export function updateByKey(s: TableShape, key: readonly Cell[], row: readonly Cell[]): Statement {
  const where = keyEquals(s, key);
  return {
    sql: `UPDATE ${table(s)} SET ${s.columns.map((c) => `${quoteId(c.name)} = ?`).join(', ')} WHERE ${where.sql}`,
    params: [...row.map(paramFromCell), ...where.params],
  };
}

/** Updates one row equal to `current` (a table without a key). */
export function updateExact(
  s: TableShape,
  current: readonly Cell[],
  row: readonly Cell[],
): Statement {
  const where = exactMatch(s, current);
  return {
    sql: `UPDATE ${table(s)} SET ${s.columns.map((c) => `${quoteId(c.name)} = ?`).join(', ')} WHERE ${where.sql} LIMIT 1`,
    params: [...row.map(paramFromCell), ...where.params],
  };
}

export function deleteByKeys(s: TableShape, keys: KeySet): Statement {
  const where = keySetWhere(s, keys);
  return { sql: `DELETE FROM ${table(s)} WHERE ${where.sql}`, params: where.params };
}

/** Deletes one row equal to `current` (a table without a key: duplicates go one at a time). */
export function deleteExact(s: TableShape, current: readonly Cell[]): Statement {
  const where = exactMatch(s, current);
  return { sql: `DELETE FROM ${table(s)} WHERE ${where.sql} LIMIT 1`, params: where.params };
}
