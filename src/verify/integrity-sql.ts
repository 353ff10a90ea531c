/**
 * Pure SQL builders for the integrity checks of `verify`: references without a parent, and
 * unique keys held twice. No connection here.
 */
import { quoteId, quoteTable } from '../db/quote.js';
import { must } from '../must.js';
import type { PolicyReference } from '../plan/format.js';

/** A reference from child columns to parent columns: a declared foreign key, or one from the config. */
export interface Reference {
  /** the constraint's name, or `config:<column>` for a reference the config declares */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  /** an id inside the documents of the one column, at this JSON path (null: the column holds it) */
  readonly path?: string | null;
}

/** A query and its placeholders' values, in text order. */
export interface SqlQuery {
  readonly sql: string;
  readonly params: string[];
}

/**
 * Child rows whose (non-NULL) reference finds no parent row. A reference with a NULL column
 * refers to nothing, as the server's MATCH SIMPLE checks have it. `count` is `COUNT(*)`;
 * `sample` the reference's values of the first `limit` such rows, in their order.
 *
 * An anti-join (`LEFT JOIN … WHERE p.<first ref column> IS NULL`): the server looks each child
 * up in the parent's index (eq_ref) where `NOT EXISTS` has it build and probe a copy of the
 * parent. A matched parent row has that column equal to a non-NULL value, so it is NULL exactly
 * for a child without a parent; a parent column that is not unique repeats a matched child, but
 * never an unmatched one. The comparison is the server's `=` in both forms (collations alike).
 */
export function orphanQuery(r: Reference, select: 'count' | 'sample', limit = 5): SqlQuery {
  const params: string[] = [];
  // The child's value: a column, or the integer at a path inside its JSON documents (each use
  // of the path is a placeholder, recorded in text order, so pieces are built in that order).
  const value = (c: string): string => {
    if (!r.path) return `c.${quoteId(c)}`;
    params.push(r.path);
    return `JSON_UNQUOTE(JSON_EXTRACT(c.${quoteId(c)}, ?))`;
  };
  const what = select === 'count' ? 'COUNT(*)' : r.columns.map(value).join(', ');
  const join = r.columns
    .map((c, i) => `p.${quoteId(r.refColumns[i] ?? c)} = ${value(c)}`)
    .join(' AND ');
  const notNull = r.columns.map((c) => `${value(c)} IS NOT NULL`).join(' AND ');
  const first = quoteId(r.refColumns[0] ?? must(r.columns[0], 'reference column'));
  const tail =
    select === 'count' ? '' : ` ORDER BY ${r.columns.map(value).join(', ')} LIMIT ${limit}`;
  return {
    sql: `SELECT ${what} FROM ${quoteTable(r.schema, r.table)} c LEFT JOIN ${quoteTable(r.refSchema, r.refTable)} p ON ${join} WHERE ${notNull} AND p.${first} IS NULL${tail}`,
    params,
  };
}

/** Most islands `islandsQuery` reads; a parent with more is checked by the anti-join. */
export const MAX_ISLANDS = 1000;

/**
 * The runs of consecutive integers a parent's column holds (its "islands"), as `MIN, MAX` rows
 * in order, at most `limit`: over the distinct values in order, `value - (rank - 1)` is the
 * same exactly along a run. DENSE_RANK, not ROW_NUMBER: a column that repeats a value (1, 2, 2,
 * 4) would otherwise join 1 and 4 into one run. NULLs match nothing and are left out.
 */
export function islandsQuery(
  schema: string,
  table: string,
  column: string,
  limit = MAX_ISLANDS + 1,
  /** only values v with lo < v <= hi (integers' text; null: open) */
  range: { readonly lo: string | null; readonly hi: string | null } = { lo: null, hi: null },
): string {
  const k = quoteId(column);
  const within = [
    ...(range.lo === null ? [] : [`${k} > ${intLiteral(range.lo)}`]),
    ...(range.hi === null ? [] : [`${k} <= ${intLiteral(range.hi)}`]),
  ];
  const where = [`${k} IS NOT NULL`, ...within].join(' AND ');
  return `SELECT MIN(k), MAX(k) FROM (SELECT ${k} AS k, ${k} - CAST(DENSE_RANK() OVER (ORDER BY ${k}) - 1 AS SIGNED) AS g FROM ${quoteTable(schema, table)} WHERE ${where}) x GROUP BY g ORDER BY 1 LIMIT ${limit}`;
}

/** An integer's text, checked, for SQL: the server then compares integers exactly. */
function intLiteral(x: string): string {
  if (!/^-?\d{1,20}$/.test(x)) throw new Error(`not an integer: ${x}`);
  return x;
}

/** An island's bounds, as the server sent them (integers' text). */
export type Island = readonly [string, string];

/**
 * `orphanQuery` for a reference from one integer column to an integer column whose islands are
 * `islands`: children outside every island. The bounds are integer literals (checked here), so
 * the server compares integers exactly (a string placeholder would go through a double).
 */
export function orphanOutsideQuery(
  r: Reference,
  islands: readonly Island[],
  select: 'count' | 'sample',
  limit = 5,
): string {
  const col = quoteId(must(r.columns[0], 'reference column'));
  const inside = islands.map(
    ([lo, hi]) => `${col} BETWEEN ${intLiteral(lo)} AND ${intLiteral(hi)}`,
  );
  const outside = inside.length === 0 ? '' : ` AND NOT (${inside.join(' OR ')})`;
  const what = select === 'count' ? 'COUNT(*)' : col;
  const tail = select === 'count' ? '' : ` ORDER BY ${col} LIMIT ${limit}`;
  return `SELECT ${what} FROM ${quoteTable(r.schema, r.table)} WHERE ${col} IS NOT NULL${outside}${tail}`;
}

/**
 * Values of a unique key held by more than one row (rows with a NULL in the key may repeat,
 * as the server allows). Reads the whole index: cheap next to the digests.
 */
export function duplicateQuery(
  schema: string,
  table: string,
  columns: readonly string[],
  limit = 5,
): string {
  const cols = columns.map(quoteId).join(', ');
  const notNull = columns.map((c) => `${quoteId(c)} IS NOT NULL`).join(' AND ');
  return `SELECT ${cols}, COUNT(*) FROM ${quoteTable(schema, table)} WHERE ${notNull} GROUP BY ${cols} HAVING COUNT(*) > 1 LIMIT ${limit}`;
}

export function maxQuery(schema: string, table: string, column: string): string {
  return `SELECT MAX(${quoteId(column)}) FROM ${quoteTable(schema, table)}`;
}

/**
 * The `references` a table's policy records (and its references into JSON documents), as
 * references within `schema`.
 */
export function configReferences(
  schema: string,
  table: string,
  references: readonly PolicyReference[],
  jsonReferences: readonly {
    column: string;
    path: string;
    table: string;
    refColumn: string;
  }[] = [],
): Reference[] {
  // A reference into JSON documents names its path; a plain one has none.
  const ref = (
    r: { readonly column: string; readonly table: string; readonly refColumn: string },
    path?: string,
  ): Reference => ({
    name: `config:${r.column}${path ?? ''}`,
    schema,
    table,
    columns: [r.column],
    refSchema: schema,
    refTable: r.table,
    refColumns: [r.refColumn],
    ...(path === undefined ? {} : { path }),
  });
  return [...references.map((r) => ref(r)), ...jsonReferences.map((r) => ref(r, r.path))];
}
