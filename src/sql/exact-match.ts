import type { Cell } from '../cell/cells.js';
import { quoteId } from '../db/quote.js';
import type { ColumnInfo } from '../introspect/types.js';
import type { Binder } from './bind.js';

/**
 * A condition true for exactly the row value a cell describes: how apply and plan.sql address a
 * row of a table without a key (by all its values), so both must match the same rows.
 * - NULL only matches NULL.
 * - Text compares as UTF-8 bytes, not under its collation ('A' never matches 'a ').
 * - JSON compares as JSON: MariaDB keeps the text as typed (spaces, key order), MySQL its binary
 *   form, while the plan holds canonical text.
 * - Bytes, BIT and every other type compare as the bytes the server sends: a BIT column
 *   compared with a byte string directly is compared as text (`b = X'05'` fails on MariaDB).
 */
export function exactCondition(
  col: ColumnInfo,
  c: Cell,
  flavor: 'mariadb' | 'mysql',
  b: Binder,
): string {
  const name = quoteId(col.name);
  if (c === null) return `${name} IS NULL`;
  if (typeof c !== 'string')
    return `CAST(${name} AS BINARY) = ${b.bytes(Buffer.from(c.hex, 'hex'))}`;
  if (col.family === 'json') {
    return flavor === 'mariadb'
      ? `JSON_EQUALS(${name}, ${b.text(c)})`
      : `${name} = CAST(${b.text(c)} AS JSON)`;
  }
  if (col.family === 'text' || col.family === 'enum' || col.family === 'set') {
    return `CAST(CONVERT(${name} USING utf8mb4) AS BINARY) = CAST(${b.text(c)} AS BINARY)`;
  }
  return `CAST(${name} AS BINARY) = CAST(${b.text(c)} AS BINARY)`;
}
