/**
 * The writes of the load generator, each one transaction of its own as an application makes
 * them: a sign-up or a child row (INSERT with an AUTO_INCREMENT key, its parent row read with a
 * shared lock so it exists when the child is written), an edit of a row picked at random (locked
 * FOR UPDATE, then updated), a delete (of any row of a table nothing references, or of a row the
 * generator inserted itself and nothing references yet). Each returns the row as written (as the
 * server's text of each column), read back in the same transaction.
 */

import { quoteId, quoteTable } from '../src/db/quote.js';
import type { Connection, RawRow, SqlParam } from '../src/db/types.js';
import { pickIndex, type Rng } from './load-stats.js';

/** A row as the server prints it: column → text (NULL as null). */
export type TextRow = Readonly<Record<string, string | null>>;

/** One table the generator writes, as it sees the schema (it knows nothing of any plan). */
export interface LoadTable {
  readonly name: string;
  /** the AUTO_INCREMENT integer key column */
  readonly key: string;
  /** the column that holds a parent row's key (null: a table without a parent) */
  readonly parent: { readonly column: string; readonly table: string } | null;
  /** relative weights of the writes to this table */
  readonly weights: { readonly insert: number; readonly edit: number; readonly delete: number };
  /** the columns of a new row other than the key and the parent column (write `n` of the run) */
  newRow(n: number, r: Rng): Record<string, SqlParam>;
  /** the columns an edit sets: values no earlier write gave the row (use `n`) */
  edit(n: number, r: Rng): Record<string, SqlParam>;
}

export type WriteOp = 'insert' | 'update' | 'delete';

/** What one committed write did. */
export interface Written {
  readonly table: string;
  readonly op: WriteOp;
  readonly key: string;
  /** insert, update: the row after the write; delete: the row deleted */
  readonly row: TextRow;
  /** an insert into a table with a parent: the parent row as it was (locked) when written */
  readonly parent: { readonly table: string; readonly key: string; readonly row: TextRow } | null;
}

/** A table as the generator writes it: its columns (in order) and who references it. */
export interface TableState {
  readonly table: LoadTable;
  readonly columns: readonly string[];
  readonly children: readonly { readonly table: string; readonly column: string }[];
  /** lowest and highest key, refreshed while the run goes on (null: empty) */
  range: { min: number; max: number } | null;
  /** keys of rows the generator inserted (the only rows of a referenced table it deletes) */
  readonly own: string[];
}

/** Everything a write needs. */
export interface WriteContext {
  readonly conn: Connection;
  readonly schema: string;
  readonly tables: ReadonlyMap<string, TableState>;
  readonly n: number;
  readonly r: Rng;
}

const text = (row: RawRow, columns: readonly string[]): TextRow =>
  Object.fromEntries(columns.map((c, i) => [c, row[i]?.toString('utf8') ?? null]));

function stateOf(w: WriteContext, name: string): TableState {
  const t = w.tables.get(name);
  if (!t) throw new Error(`load generator: no table ${name}`);
  return t;
}

const columnList = (t: TableState): string => t.columns.map(quoteId).join(', ');
const tableName = (w: WriteContext, t: TableState): string => quoteTable(w.schema, t.table.name);

/**
 * A row picked at random from the table as it is now (the first row at or after a random key
 * between its lowest and highest), locked as `lock` says; null when the table is empty.
 */
async function pickRow(
  w: WriteContext,
  t: TableState,
  lock: 'FOR UPDATE' | 'LOCK IN SHARE MODE',
): Promise<TextRow | null> {
  const range = t.range;
  if (range === null) return null;
  const at = String(range.min + pickIndex(w.r, range.max - range.min + 1));
  const key = quoteId(t.table.key);
  const from = `SELECT ${columnList(t)} FROM ${tableName(w, t)}`;
  let rows = await w.conn.rawRows(`${from} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1 ${lock}`, [
    at,
  ]);
  if (rows.length === 0) {
    rows = await w.conn.rawRows(`${from} WHERE ${key} < ? ORDER BY ${key} DESC LIMIT 1 ${lock}`, [
      at,
    ]);
  }
  const row = rows[0];
  return row ? text(row, t.columns) : null;
}

async function readRow(w: WriteContext, t: TableState, key: string): Promise<TextRow | null> {
  const rows = await w.conn.rawRows(
    `SELECT ${columnList(t)} FROM ${tableName(w, t)} WHERE ${quoteId(t.table.key)} = ?`,
    [key],
  );
  const row = rows[0];
  return row ? text(row, t.columns) : null;
}

const keyOf = (t: TableState, row: TextRow): string => row[t.table.key] ?? '';

/** A sign-up or a child: a new row, its key from AUTO_INCREMENT; null if it has no parent to go under. */
export async function insertRow(w: WriteContext, name: string): Promise<Written | null> {
  const t = stateOf(w, name);
  const values: Record<string, SqlParam> = { ...t.table.newRow(w.n, w.r) };
  let parent: Written['parent'] = null;
  const ref = t.table.parent;
  if (ref) {
    const p = stateOf(w, ref.table);
    const row = await pickRow(w, p, 'LOCK IN SHARE MODE');
    if (row === null) return null;
    parent = { table: ref.table, key: keyOf(p, row), row };
    values[ref.column] = parent.key;
  }
  const cols = Object.keys(values);
  const done = await w.conn.execute(
    `INSERT INTO ${tableName(w, t)} (${cols.map(quoteId).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    cols.map((c) => values[c] ?? null),
  );
  const row = await readRow(w, t, done.insertId);
  if (row === null)
    throw new Error(`load generator: ${name} ${done.insertId} not found after insert`);
  return { table: name, op: 'insert', key: done.insertId, row, parent };
}

/** An edit of a row picked at random; null if the table is empty. */
export async function editRow(w: WriteContext, name: string): Promise<Written | null> {
  const t = stateOf(w, name);
  const before = await pickRow(w, t, 'FOR UPDATE');
  if (before === null) return null;
  const key = keyOf(t, before);
  const set = t.table.edit(w.n, w.r);
  const cols = Object.keys(set);
  await w.conn.execute(
    `UPDATE ${tableName(w, t)} SET ${cols.map((c) => `${quoteId(c)} = ?`).join(', ')} WHERE ${quoteId(t.table.key)} = ?`,
    [...cols.map((c) => set[c] ?? null), key],
  );
  const row = await readRow(w, t, key);
  if (row === null) throw new Error(`load generator: ${name} ${key} gone while locked`);
  return { table: name, op: 'update', key, row, parent: null };
}

/**
 * A delete: of a row picked at random in a table nothing references; in a referenced table, of
 * a row the generator inserted, if no row references it yet. Null when there is none to delete.
 */
export async function deleteRow(w: WriteContext, name: string): Promise<Written | null> {
  const t = stateOf(w, name);
  let row: TextRow | null;
  if (t.children.length === 0) row = await pickRow(w, t, 'FOR UPDATE');
  else {
    if (t.own.length === 0) return null;
    const key = t.own[pickIndex(w.r, t.own.length)] ?? '';
    row = await lockedRow(w, t, key);
    for (const c of t.children) {
      if (row === null) break;
      const child = stateOf(w, c.table);
      const refs = await w.conn.rawRows(
        `SELECT 1 FROM ${tableName(w, child)} WHERE ${quoteId(c.column)} = ? LIMIT 1 FOR UPDATE`,
        [key],
      );
      if (refs.length > 0) row = null;
    }
  }
  if (row === null) return null;
  const key = keyOf(t, row);
  await w.conn.execute(`DELETE FROM ${tableName(w, t)} WHERE ${quoteId(t.table.key)} = ?`, [key]);
  return { table: name, op: 'delete', key, row, parent: null };
}

async function lockedRow(w: WriteContext, t: TableState, key: string): Promise<TextRow | null> {
  const rows = await w.conn.rawRows(
    `SELECT ${columnList(t)} FROM ${tableName(w, t)} WHERE ${quoteId(t.table.key)} = ? FOR UPDATE`,
    [key],
  );
  const row = rows[0];
  return row ? text(row, t.columns) : null;
}
