/**
 * The statements apply, rollback and plan.sql run, built once. Each builder takes a table's
 * shape and a Binder: placeholders for apply (values go as parameters), literals for plan.sql
 * (a script a DBA reads and runs by hand). No connection here. Every identifier goes through
 * quoteId; every value through the binder, typed by values.ts.
 */
import type { Cell, Row } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { ColumnInfo } from '../introspect/types.js';
import { must } from '../must.js';
import { type Binder, placeholders, type Statement, statement } from './bind.js';
import { exactCondition } from './exact-match.js';
import { keyValue, MalformedActionError, storeValue } from './values.js';

export type { Statement } from './bind.js';
export { MalformedActionError } from './values.js';

/** A plan table as apply (or plan.sql) writes it. */
export interface TableShape {
  /** the schema written (the target, or a rehearsal's scratch copy); null: unqualified names (plan.sql runs in the target schema) */
  readonly schema: string | null;
  readonly name: string;
  /** the stored columns, in the plan's (name) order: what rows and digests cover */
  readonly columns: readonly ColumnInfo[];
  /** the key columns actions are addressed by; empty for a table without a key */
  readonly key: readonly ColumnInfo[];
  /** MySQL keeps JSON binary; MariaDB keeps it as text */
  readonly flavor: 'mariadb' | 'mysql';
}

const table = (s: TableShape): string =>
  s.schema === null ? quoteId(s.name) : quoteTable(s.schema, s.name);
const columnList = (cols: readonly ColumnInfo[]): string =>
  cols.map((c) => quoteId(c.name)).join(', ');

/** The value of `name` in an action's row; a missing column is a malformed plan, never NULL. */
export function cellOf(row: Row, name: string, what: string): Cell {
  if (!Object.hasOwn(row, name)) {
    throw new MalformedActionError(`${what} has no value for column ${JSON.stringify(name)}`);
  }
  return row[name] ?? null;
}

/** Cells of `row` in the shape's column order. */
export function rowCells(s: TableShape, row: Row, what: string): Cell[] {
  return s.columns.map((c) => cellOf(row, c.name, what));
}

/** Cells of the key columns of `row` (a key object or a whole row). */
export function keyCells(s: TableShape, row: Row, what: string): Cell[] {
  return s.key.map((c) => cellOf(row, c.name, what));
}

/** `a = ? AND b = ?`, each value typed so the server compares exactly (values.ts keyValue). */
function keyEquals(s: TableShape, key: readonly Cell[], b: Binder): string {
  return s.key
    .map((c, i) => `${quoteId(c.name)} = ${keyValue(c, key[i] ?? null, b)}`)
    .join(' AND ');
}

/** `k IN (?, ?)` or `(a, b) IN ((?, ?), (?, ?))`: the index answers it as point lookups. */
function keysIn(s: TableShape, keys: readonly (readonly Cell[])[], b: Binder): string {
  const k = s.key.length === 1 ? s.key[0] : undefined;
  if (k) {
    return `${quoteId(k.name)} IN (${keys.map((v) => keyValue(k, v[0] ?? null, b)).join(', ')})`;
  }
  const tuples = keys.map(
    (v) => `(${s.key.map((c, i) => keyValue(c, v[i] ?? null, b)).join(', ')})`,
  );
  return `(${columnList(s.key)}) IN (${tuples.join(', ')})`;
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

function firstKey(s: TableShape): ColumnInfo {
  return must(s.key[0], `key column of ${s.name}`);
}

function integerKey(s: TableShape): ColumnInfo | null {
  const only = s.key.length === 1 ? s.key[0] : undefined;
  return only?.family === 'integer' ? only : null;
}

function integerOf(c: ColumnInfo, v: Cell): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
    throw new MalformedActionError(`key column ${c.name}: ${JSON.stringify(v)} is not an integer`);
  }
  return BigInt(v);
}

/** Finds the runs of consecutive values among a single integer key's values. */
export function compactKeys(s: TableShape, keys: readonly (readonly Cell[])[]): KeySet {
  const listed = { keys: keys.map((k) => [...k]), ranges: [] };
  const only = integerKey(s);
  if (!only || keys.length < MIN_RANGE) return listed;
  const sorted = keys
    .map((k) => integerOf(only, k[0] ?? null))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: [string, string][] = [];
  const rest: Cell[][] = [];
  let start = 0;
  for (const [j, prev] of sorted.entries()) {
    const i = j + 1;
    if (sorted[i] === prev + 1n) continue;
    if (i - start >= MIN_RANGE) ranges.push([String(sorted[start]), String(prev)]);
    else for (const v of sorted.slice(start, i)) rest.push([String(v)]);
    start = i;
  }
  return ranges.length === 0 ? listed : { keys: rest, ranges };
}

/** The rows at exactly the keys of a set: `k BETWEEN ? AND ?` per range, the rest listed. */
function keySetWhere(s: TableShape, set: KeySet, b: Binder): string {
  if (set.ranges.length === 0) return keysIn(s, set.keys, b);
  const col = quoteId(firstKey(s).name);
  const parts = set.ranges.map(
    ([lo, hi]) => `${col} BETWEEN ${b.integer(BigInt(lo))} AND ${b.integer(BigInt(hi))}`,
  );
  if (set.keys.length > 0) parts.push(keysIn(s, set.keys, b));
  return parts.length === 1 ? parts.join('') : `(${parts.join(' OR ')})`;
}

/** `SELECT … WHERE` the rows at exactly the keys of a set. */
export function keySetCondition(s: TableShape, set: KeySet, b: Binder = placeholders()): Statement {
  return statement(keySetWhere(s, set, b), b);
}

/**
 * The row equal to `cells` (a table without a key), as `exactCondition` defines equality.
 * Without an index this scans: such tables are small.
 */
function exactMatch(s: TableShape, cells: readonly Cell[], b: Binder): string {
  return s.columns.map((c, i) => exactCondition(c, cells[i] ?? null, s.flavor, b)).join(' AND ');
}

/** INSERT of whole rows; every stored column is given explicitly. */
export function insertValues(
  s: TableShape,
  rows: readonly (readonly Cell[])[],
  b: Binder = placeholders(),
  separator = ' ',
): Statement {
  const tuples = rows.map(
    (r) => `(${s.columns.map((c, i) => storeValue(c, r[i] ?? null, b)).join(', ')})`,
  );
  return statement(
    `INSERT INTO ${table(s)} (${columnList(s.columns)}) VALUES${separator}${tuples.join(`,${separator}`)}`,
    b,
  );
}

/** `INSERT INTO t (columns…) VALUES ` — the head of a multi-row INSERT of all the shape's columns. */
export function insertHead(s: TableShape): string {
  return `INSERT INTO ${table(s)} (${columnList(s.columns)}) VALUES `;
}

/**
 * INSERT … SELECT of rows the backup holds unchanged, by key: the rows never leave the server.
 * Exactly the listed keys are selected (a range only where it holds nothing but listed keys), so
 * no backup row the plan does not restore can slip in; the caller checks every key was found.
 */
export function insertSelect(
  s: TableShape,
  fromSchema: string,
  keys: KeySet,
  b: Binder = placeholders(),
): Statement {
  const cols = columnList(s.columns);
  return statement(
    `INSERT INTO ${table(s)} (${cols}) SELECT ${cols} FROM ${quoteTable(fromSchema, s.name)} WHERE ${keySetWhere(s, keys, b)}`,
    b,
  );
}

/**
 * The smallest and largest key of a set, for a table keyed by one integer column whose set
 * lists keys one by one (no consecutive run to use as a range): null otherwise.
 */
export function keySpan(s: TableShape, set: KeySet): [bigint, bigint] | null {
  const only = integerKey(s);
  if (!only || set.keys.length < MIN_RANGE) return null;
  let lo: bigint | null = null;
  let hi: bigint | null = null;
  const see = (v: bigint): void => {
    if (lo === null || v < lo) lo = v;
    if (hi === null || v > hi) hi = v;
  };
  for (const k of set.keys) see(integerOf(only, k[0] ?? null));
  for (const [a, z] of set.ranges) {
    see(BigInt(a));
    see(BigInt(z));
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
  b: Binder = placeholders(),
): Statement {
  const inSet = keySetWhere(s, set, b);
  const col = quoteId(firstKey(s).name);
  return statement(
    `SELECT COUNT(*), COALESCE(SUM(${inSet}), 0) FROM ${quoteTable(fromSchema, s.name)} WHERE ${col} BETWEEN ${b.integer(span[0])} AND ${b.integer(span[1])}`,
    b,
  );
}

/** INSERT … SELECT of the rows with lo <= key <= hi (a span `spanCheck` found to be exactly a set). */
export function insertSelectSpan(
  s: TableShape,
  fromSchema: string,
  span: readonly [bigint, bigint],
  b: Binder = placeholders(),
): Statement {
  const cols = columnList(s.columns);
  const col = quoteId(firstKey(s).name);
  return statement(
    `INSERT INTO ${table(s)} (${cols}) SELECT ${cols} FROM ${quoteTable(fromSchema, s.name)} WHERE ${col} BETWEEN ${b.integer(span[0])} AND ${b.integer(span[1])}`,
    b,
  );
}

/**
 * The columns a row is read with where its key must be read too: the stored columns, then the
 * key columns that are not stored (generated ones), so `readColumns(s)[i]` is row value i.
 */
export function readColumns(s: TableShape): ColumnInfo[] {
  return [...s.columns, ...s.key.filter((k) => !s.columns.includes(k))];
}

/** The current rows at these keys, locked until the batch commits: the undo images. */
export function selectForUpdate(
  s: TableShape,
  keys: readonly (readonly Cell[])[],
  b: Binder = placeholders(),
): Statement {
  const where = keySetWhere(s, compactKeys(s, keys), b);
  return statement(
    `SELECT ${columnList(readColumns(s))} FROM ${table(s)} WHERE ${where} FOR UPDATE`,
    b,
  );
}

/** One row by key, locked (the fallback when a key's bytes differ from the stored ones). */
export function selectOneForUpdate(
  s: TableShape,
  key: readonly Cell[],
  b: Binder = placeholders(),
): Statement {
  return statement(
    `SELECT ${columnList(readColumns(s))} FROM ${table(s)} WHERE ${keyEquals(s, key, b)} FOR UPDATE`,
    b,
  );
}

/**
 * Which columns an update sets: `'all'` (an undo puts the whole before-image back), or the
 * columns whose value changes. Columns with ON UPDATE CURRENT_TIMESTAMP are always given, so
 * they keep the row's value instead of taking the time of the run.
 */
export type SetColumns = 'all' | readonly string[];

function assignments(s: TableShape, row: readonly Cell[], set: SetColumns, b: Binder): string {
  const parts: string[] = [];
  s.columns.forEach((c, i) => {
    if (set === 'all' || set.includes(c.name) || c.onUpdate)
      parts.push(`${quoteId(c.name)} = ${storeValue(c, row[i] ?? null, b)}`);
  });
  return parts.join(', ');
}

/** `UPDATE … SET … WHERE …`: the new values bound first, then `where`'s, in text order. */
function update(
  s: TableShape,
  row: readonly Cell[],
  set: SetColumns,
  b: Binder,
  where: () => string,
): Statement {
  const values = assignments(s, row, set, b);
  return statement(`UPDATE ${table(s)} SET ${values} WHERE ${where()}`, b);
}

/** Sets the `set` columns of the row at `key` to their value in `row` (all stored columns, in order). */
export function updateByKey(
  s: TableShape,
  key: readonly Cell[],
  row: readonly Cell[],
  set: SetColumns,
  b: Binder = placeholders(),
): Statement {
  return update(s, row, set, b, () => keyEquals(s, key, b));
}

/** Updates one row equal to `current` (a table without a key). */
export function updateExact(
  s: TableShape,
  current: readonly Cell[],
  row: readonly Cell[],
  set: SetColumns,
  b: Binder = placeholders(),
): Statement {
  return update(s, row, set, b, () => `${exactMatch(s, current, b)} LIMIT 1`);
}

export function deleteByKeys(s: TableShape, keys: KeySet, b: Binder = placeholders()): Statement {
  return statement(`DELETE FROM ${table(s)} WHERE ${keySetWhere(s, keys, b)}`, b);
}

/** Deletes one row equal to `current` (a table without a key: duplicates go one at a time). */
export function deleteExact(
  s: TableShape,
  current: readonly Cell[],
  b: Binder = placeholders(),
): Statement {
  return statement(`DELETE FROM ${table(s)} WHERE ${exactMatch(s, current, b)} LIMIT 1`, b);
}
