/**
 * Pure SQL builders for the integrity checks of `verify`: references without a parent, and
 * unique keys held twice. No connection here.
 */
import { quoteId, quoteTable } from '../db/quote.js';
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

/**
 * Child rows whose (non-NULL) reference finds no parent row. A reference with a NULL column
 * refers to nothing, as the server's MATCH SIMPLE checks have it. `select` is `COUNT(*)` or a
 * column list (for a sample).
 */
export function orphanQuery(
  r: Reference,
  select: 'count' | 'sample',
  limit = 5,
): { sql: string; params: string[] } {
  const params: string[] = [];
  // The child's value: a column, or the integer at a path inside its JSON documents (each use
  // of the path is a placeholder, recorded in text order).
  const value = (c: string): string => {
    if (!r.path) return `c.${quoteId(c)}`;
    params.push(r.path);
    return `JSON_UNQUOTE(JSON_EXTRACT(c.${quoteId(c)}, ?))`;
  };
  const what = select === 'count' ? 'COUNT(*)' : r.columns.map(value).join(', ');
  const notNull = r.columns.map((c) => `${value(c)} IS NOT NULL`).join(' AND ');
  const join = r.columns
    .map((c, i) => `p.${quoteId(r.refColumns[i] ?? c)} = ${value(c)}`)
    .join(' AND ');
  const tail = select === 'count' ? '' : ` LIMIT ${limit}`;
  return {
    sql: `SELECT ${what} FROM ${quoteTable(r.schema, r.table)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteTable(r.refSchema, r.refTable)} p WHERE ${join})${tail}`,
    params,
  };
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
