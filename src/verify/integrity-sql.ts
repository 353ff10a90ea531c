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
}

/**
 * Child rows whose (non-NULL) reference finds no parent row. A reference with a NULL column
 * refers to nothing, as the server's MATCH SIMPLE checks have it. `select` is `COUNT(*)` or a
 * column list (for a sample).
 */
export function orphanQuery(r: Reference, select: 'count' | 'sample', limit = 5): string {
  const notNull = r.columns.map((c) => `c.${quoteId(c)} IS NOT NULL`).join(' AND ');
  const join = r.columns
    .map((c, i) => `p.${quoteId(r.refColumns[i] as string)} = c.${quoteId(c)}`)
    .join(' AND ');
  const what = select === 'count' ? 'COUNT(*)' : r.columns.map((c) => `c.${quoteId(c)}`).join(', ');
  const tail = select === 'count' ? '' : ` LIMIT ${limit}`;
  return `SELECT ${what} FROM ${quoteTable(r.schema, r.table)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteTable(r.refSchema, r.refTable)} p WHERE ${join})${tail}`;
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

/** The `references` a table's policy records, as references within `schema`. */
export function configReferences(
  schema: string,
  table: string,
  references: readonly PolicyReference[],
): Reference[] {
  return references.map((r) => ({
    name: `config:${r.column}`,
    schema,
    table,
    columns: [r.column],
    refSchema: schema,
    refTable: r.table,
    refColumns: [r.refColumn],
  }));
}
