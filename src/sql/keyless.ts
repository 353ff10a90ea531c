/**
 * Set-based statements for rows of a table without a key. Such a row can only be found by all
 * its values, and a DELETE per row scans the whole table once per row: quadratic, and a
 * rollback of 20,000 restored rows took hours. Instead every row of the table is given a hash
 * of its values, computed by the server in one scan, and the rows to delete are named by
 * their hashes in one `IN` list (which the server searches by binary search).
 *
 * The hash covers each column as `exactCondition` (exact-match.ts) compares it: text as its
 * UTF-8 bytes, everything else as the bytes the server sends for it; NULL apart from every
 * value; each part length-prefixed. JSON columns are left out (the server keeps them as text
 * or binary, the plan as canonical text): rows that differ only in JSON share a hash, and the
 * caller tells them apart by their values. The client computes the same hash from the plan's
 * cells (`rowHash`), so the two must stay in step: a test checks them against each other on
 * every type.
 */
import { createHash } from 'node:crypto';
import type { Cell } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { ColumnInfo } from '../introspect/types.js';
import { type Binder, placeholders, type Statement, statement } from './bind.js';
import type { TableShape } from './statements.js';

const table = (s: TableShape): string =>
  s.schema === null ? quoteId(s.name) : quoteTable(s.schema, s.name);

/** The columns the hash covers: every stored column but JSON ones. */
export function hashedColumns(s: TableShape): ColumnInfo[] {
  return s.columns.filter((c) => c.family !== 'json');
}

function isText(c: ColumnInfo): boolean {
  return c.family === 'text' || c.family === 'enum' || c.family === 'set';
}

/** `MD5(CONCAT(…))` of a row's hashed columns, as the server computes it. */
export function rowHashExpr(s: TableShape): string {
  const parts = hashedColumns(s).map((c) => {
    const name = quoteId(c.name);
    const v = isText(c)
      ? `CAST(CONVERT(${name} USING utf8mb4) AS BINARY)`
      : `CAST(${name} AS BINARY)`;
    return `IFNULL(CONCAT(OCTET_LENGTH(${v}), ':', ${v}), '~')`;
  });
  return parts.length === 0 ? `MD5('')` : `MD5(CONCAT(${parts.join(', ')}))`;
}

/**
 * The same hash of a row given as cells in the shape's column order (text cells are UTF-8,
 * byte cells their bytes): equal to `rowHashExpr` of the stored row the cells describe.
 */
export function rowHash(s: TableShape, cells: readonly Cell[]): string {
  const md5 = createHash('md5');
  s.columns.forEach((c, i) => {
    if (c.family === 'json') return;
    const v = cells[i] ?? null;
    if (v === null) {
      md5.update('~');
      return;
    }
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.hex, 'hex');
    md5.update(`${bytes.length}:`);
    md5.update(bytes);
  });
  return md5.digest('hex');
}

function hashIn(s: TableShape, hashes: readonly string[], b: Binder): string {
  return `${rowHashExpr(s)} IN (${hashes.map((h) => b.text(h)).join(', ')})`;
}

/**
 * Deletes every row whose hash is listed, in one scan. MariaDB (10.5+) returns the rows it
 * deleted (`RETURNING`), so the caller can put back any it did not mean to delete.
 */
export function deleteByRowHashes(
  s: TableShape,
  hashes: readonly string[],
  returning: boolean,
  b: Binder = placeholders(),
): Statement {
  const where = hashIn(s, hashes, b);
  const back = returning ? ` RETURNING ${s.columns.map((c) => quoteId(c.name)).join(', ')}` : '';
  return statement(`DELETE FROM ${table(s)} WHERE ${where}${back}`, b);
}

/** The rows whose hash is listed, locked: what `deleteByRowHashes` will delete (MySQL). */
export function selectByRowHashes(
  s: TableShape,
  hashes: readonly string[],
  b: Binder = placeholders(),
): Statement {
  const cols = s.columns.map((c) => quoteId(c.name)).join(', ');
  return statement(`SELECT ${cols} FROM ${table(s)} WHERE ${hashIn(s, hashes, b)} FOR UPDATE`, b);
}
