import { boundaryExpr, type KeyColumn } from '../chunk/key-sql.js';
import { quoteId } from '../db/quote.js';
import type { ComparedColumn, TablePair } from '../introspect/compare.js';

/**
 * Pure SQL builders for the server-side checksum pre-pass: a per-row string that is an
 * injective image of the row's canonical encoding, and a 64-bit hash of it.
 *
 * INVARIANT (the pre-pass is only a filter, and this is what makes it a safe one): for every
 * column, the text this expression feeds to the hash is exactly the text the server sends for
 * that column over the protocol (the client's canonical input), or an injective function of it.
 * Then equal row strings on both sides mean equal canonical encodings, so a chunk the servers
 * call equal is one the client would call equal. The opposite direction need not hold: a chunk
 * the servers call different is resolved by the client's canonical hashes.
 *
 * The row string is `CONCAT_WS('|', nullBitmap…, pieces…)`:
 * - CONCAT_WS skips NULLs, so the leading bitmap(s) say which columns are NULL;
 * - numbers, decimals, temporals and floats are their text (never containing '|');
 * - strings, binaries, JSON and geometry are `LENGTH(x) | x`, so their bytes may hold anything;
 * - BIT is its number.
 * Reading from the front, the bitmap says which pieces are present and the lengths say where
 * each string ends: one string, one row.
 */

/** How the 64-bit per-row hash is computed, by what both servers support. */
export type RowHashFunction =
  /**
   * the product of CRC32 and CRC32C of the row string, built once into a user variable
   * (MariaDB ≥ 10.8)
   */
  | 'crc64-var'
  /** the first 64 bits of SHA1 (MySQL, older MariaDB: no CRC32C; a server that evaluates
   * operands out of order) */
  | 'sha1';

/** The user variable that holds the row string between its two CRCs. */
export const ROW_VARIABLE = '@reconcile_row';

/** Bits per null bitmap: BIGINT arithmetic stays exact well below 63. */
const BITMAP_BITS = 60;

const TEXTUAL = new Set(['text', 'enum', 'set', 'json']);

/** Columns whose text must be converted to utf8mb4 on both sides: their charsets differ. */
export function convertedColumns(pair: TablePair): Set<string> {
  const out = new Set<string>();
  for (const c of pair.columns) {
    if (TEXTUAL.has(c.family) && c.backup.charset !== c.interim.charset) out.add(c.name);
  }
  return out;
}

/** A column as a row string sees it. */
export interface RowStringColumn {
  readonly name: string;
  readonly family: ComparedColumn['family'];
  /** may be NULL (on either side): it takes a bit in the leading bitmap */
  readonly nullable: boolean;
  /** its text is converted to utf8mb4 (the protocol's bytes) before it is hashed */
  readonly convert: boolean;
}

function textOf(c: RowStringColumn): string {
  const q = quoteId(c.name);
  return c.convert ? `CONVERT(${q} USING utf8mb4)` : q;
}

/** The pieces one column contributes to the row string (none of them when it is NULL). */
function pieces(c: RowStringColumn): string[] {
  const q = quoteId(c.name);
  switch (c.family) {
    case 'integer':
    case 'decimal':
    case 'temporal':
    case 'float':
      return [q];
    case 'bit':
      return [`(${q} + 0)`];
    case 'text':
    case 'enum':
    case 'set':
    case 'json': {
      const x = textOf(c);
      return [`LENGTH(${x})`, x];
    }
    case 'binary':
    case 'geometry':
      return [`LENGTH(${q})`, q];
  }
}

/**
 * The row string of a table pair's compared columns (the same SQL on both sides). Columns
 * nullable on either side get a bit in the leading bitmap. `without` leaves columns out: a
 * listing carries the key next to the hash, so its row string need not hold the key again.
 */
export function rowStringSql(pair: TablePair, without: readonly string[] = []): string {
  const convert = convertedColumns(pair);
  const skip = new Set(without);
  return columnsRowStringSql(
    pair.columns
      .filter((c) => !skip.has(c.name))
      .map((c) => ({
        name: c.name,
        family: c.family,
        nullable: c.backup.nullable || c.interim.nullable,
        convert: convert.has(c.name),
      })),
  );
}

/** The row string of the given columns, in their order (see the file's comment). */
export function columnsRowStringSql(columns: readonly RowStringColumn[]): string {
  const nullable = columns.filter((c) => c.nullable);
  const bitmaps: string[] = [];
  for (let i = 0; i < nullable.length; i += BITMAP_BITS) {
    const bits = nullable
      .slice(i, i + BITMAP_BITS)
      .map((c, b) => `(${quoteId(c.name)} IS NULL)${b === 0 ? '' : ` << ${b}`}`);
    bitmaps.push(bits.length === 1 ? (bits[0] ?? '') : `(${bits.join(' | ')})`);
  }
  const all = [...bitmaps, ...columns.flatMap(pieces)];
  // a table of key columns only: nothing but the key to compare
  if (all.length === 0) return "_binary''";
  return `CONCAT_WS(_binary'|', ${all.join(', ')})`;
}

export { BITMAP_BITS };

/**
 * A 64-bit unsigned per-row hash of a row string, summed per chunk.
 *
 * INVARIANT: it must not be affine over GF(2). CRC32 ‖ CRC32C is: when two rows of a chunk swap
 * a value, the XOR of the four row hashes is exactly zero, and the chunk sums then collide with
 * a probability near (3/4)^64 ≈ 1e-8 instead of 2^-64. The product of the two CRCs (below 2^64,
 * so it cannot overflow) is not. It is written `CRC32(@r := s) * CRC32C(@r)` because the server
 * evaluates `*` left to right (it does not for `^`); `chooseRowHash` checks that before using it.
 */
export function rowHashSql(rowString: string, fn: RowHashFunction): string {
  switch (fn) {
    case 'crc64-var':
      return `(CRC32(${ROW_VARIABLE} := ${rowString}) * CRC32C(${ROW_VARIABLE}))`;
    case 'sha1':
      return `CAST(CONV(LEFT(SHA1(${rowString}), 16), 16, 10) AS UNSIGNED)`;
  }
}

/**
 * The 64-bit per-row hash a listing carries, as 16 hex digits of SHA1: packing it costs less
 * than a number's digits (about a tenth of a listing's server time), and a listing is never
 * summed, so it need not be a number.
 */
export function listHashSql(rowString: string): string {
  return `LEFT(SHA1(${rowString}), 16)`;
}

/** A single integer column key: ranges can be cut by arithmetic, listings need no lengths. */
export function isIntegerKey(keys: readonly KeyColumn[]): boolean {
  return integerKeyColumn(keys) !== null;
}

/** The key's one column when it is a single integer column, else null. */
function integerKeyColumn(keys: readonly KeyColumn[]): KeyColumn | null {
  const only = keys.length === 1 ? keys[0] : undefined;
  return only?.info.family === 'integer' ? only : null;
}

/**
 * A key as one string in a listing, in the form chunk boundaries use (`boundaryExpr`; text as
 * utf8mb4, as the protocol sends it), so a listed key can be passed back as a parameter.
 * A single integer key is its digits; any other key is `LENGTH(x):x` per column.
 */
export function listedKeySql(keys: readonly KeyColumn[]): string {
  const integer = integerKeyColumn(keys);
  if (integer) return quoteId(integer.name);
  const parts = keys.flatMap((k) => {
    const x =
      k.info.family === 'text' ? `CONVERT(${quoteId(k.name)} USING utf8mb4)` : boundaryExpr(k);
    return [`LENGTH(${x})`, `_binary':'`, x];
  });
  return `CONCAT(${parts.join(', ')})`;
}
