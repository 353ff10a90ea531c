/**
 * One rule per column type for a value in a statement: how it is stored (INSERT, SET) and how
 * it is compared with a key column (WHERE). Both take a Binder, so apply's placeholders and
 * plan.sql's literals give the server the same expression.
 */
import type { Cell } from '../cell/cells.js';
import type { ColumnInfo } from '../introspect/types.js';
import { type Binder, LITERALS } from './bind.js';

/** A plan action that does not fit its table (a bug in whatever wrote the plan). */
export class MalformedActionError extends Error {
  override readonly name = 'MalformedActionError';
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A value to store in `col`: integers and decimals exactly (a bare integer, decimal text),
 * bytes as bytes, everything else as its text, which the server converts as the column says.
 */
export function storeValue(col: ColumnInfo, c: Cell, b: Binder): string {
  if (c === null) return 'NULL';
  if (typeof c !== 'string') return b.bytes(Buffer.from(c.hex, 'hex'));
  if (col.family === 'integer' && INTEGER.test(c)) return b.integer(BigInt(c));
  if (col.family === 'decimal' && DECIMAL.test(c)) return b.decimal(c);
  return b.text(c);
}

/**
 * A value to compare with key column `col`, typed so that the server compares exactly what the
 * plan names:
 * - integers and BIT as bare integers (a string compared with a BIGINT goes through a double; a
 *   BIT compared with a byte string compares as text). Bare integers are also cheaper in a long
 *   IN list than a CAST each;
 * - DECIMAL through a DECIMAL as wide as the column's scale (not a double);
 * - FLOAT and DOUBLE through a cast to the column's own type: the server's text form of a FLOAT
 *   ('1.1') read back as a double is not the stored value;
 * - everything else (text, ENUM and SET labels, dates, bytes) as it is, compared under the
 *   column's own collation, as the key itself is.
 */
export function keyValue(col: ColumnInfo, c: Cell, b: Binder): string {
  if (c === null) return 'NULL';
  switch (col.family) {
    case 'bit':
      return b.integer(typeof c === 'string' || c.hex.length === 0 ? 0n : BigInt(`0x${c.hex}`));
    case 'integer':
      if (typeof c !== 'string' || !INTEGER.test(c)) {
        throw new MalformedActionError(
          `key column ${col.name}: ${JSON.stringify(c)} is not an integer`,
        );
      }
      return b.integer(BigInt(c));
    case 'decimal':
      return `CAST(${text(c, b)} AS DECIMAL(65, ${Math.min(30, col.numericScale ?? 0)}))`;
    case 'float':
      return `CAST(${text(c, b)} AS ${col.dataType === 'float' ? 'FLOAT' : 'DOUBLE'})`;
    default:
      return typeof c === 'string' ? b.text(c) : b.bytes(Buffer.from(c.hex, 'hex'));
  }
}

function text(c: Cell, b: Binder): string {
  return typeof c === 'string' ? b.text(c) : b.bytes(Buffer.from(c?.hex ?? '', 'hex'));
}

/** A value as plan.sql writes it to be stored (storeValue with literals). */
export function sqlLiteral(col: ColumnInfo, c: Cell): string {
  return storeValue(col, c, LITERALS);
}
