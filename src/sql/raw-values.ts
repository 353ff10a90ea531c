/**
 * VALUES tuples written straight from rows as the server sent them (one buffer per column, NULL
 * as null), for restored rows streamed from a backup on another server: no cell, no parameter,
 * no placeholder substitution between the two servers.
 *
 * INVARIANT: each value is the literal `storeValue(col, cellFromRaw(col.family, raw), LITERALS)`
 * writes for the same bytes (test/unit/raw-values.test.ts), so what is stored is what apply's
 * other paths and plan.sql store: bytes as X'…', integers and decimals bare, the rest quoted
 * text the server converts as the column says.
 */
import type { RawRow, RawValue } from '../db/types.js';
import type { ColumnInfo } from '../introspect/types.js';
import { quoteText } from './literal.js';

const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

type Encode = (v: Buffer) => string;

const bytes: Encode = (v) => `X'${v.toString('hex').toUpperCase()}'`;
const text: Encode = (v) => quoteText(v.toString('utf8'));
const integer: Encode = (v) => {
  const s = v.toString('latin1');
  if (CANONICAL_INTEGER.test(s)) return s;
  return INTEGER.test(s) ? BigInt(s).toString() : text(v);
};
const decimal: Encode = (v) => {
  const s = v.toString('latin1');
  return DECIMAL.test(s) ? s : text(v);
};

function encoderOf(col: Pick<ColumnInfo, 'family'>): Encode {
  switch (col.family) {
    case 'binary':
    case 'bit':
    case 'geometry':
      return bytes;
    case 'integer':
      return integer;
    case 'decimal':
      return decimal;
    default:
      return text;
  }
}

/** A function writing one row of `columns` as a VALUES tuple `(…, …)`. */
export function rawTupleWriter(
  columns: readonly Pick<ColumnInfo, 'family'>[],
): (row: RawRow) => string {
  const encoders = columns.map(encoderOf);
  return (row) => {
    let out = '(';
    for (let i = 0; i < encoders.length; i++) {
      const v: RawValue = row[i] ?? null;
      if (i > 0) out += ', ';
      out += v === null ? 'NULL' : (encoders[i] ?? text)(v);
    }
    return `${out})`;
  };
}
