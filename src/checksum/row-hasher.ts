/**
 * The server's per-row hash (row-expr.ts) computed in the client, for many rows of one table:
 * the same bytes as `rowStringBytes` and the same hash as `rowHashOf`, written into one scratch
 * buffer per table instead of a list of small buffers per row. Apply hashes every row it
 * streams from a backup on another server, and plan every restored row, so this is on the hot
 * path of both.
 *
 * INVARIANT: rowHasher(columns, fn)(values) === rowHashOf(fn, rowStringBytes(columns, values))
 * for every row (test/unit/row-hasher.test.ts, over every family and NULL pattern).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { RawValue } from '../db/types.js';
import { crc32cRange } from './client-row-hash.js';
import { BITMAP_BITS, type RowHashFunction, type RowStringColumn } from './row-expr.js';

/** How a column's value enters the row string. */
enum Piece {
  /** its text as the server sends it */
  Plain,
  /** its length, then its bytes */
  Lengthed,
  /** BIT: its number */
  Bit,
}

const LENGTHED = new Set(['text', 'enum', 'set', 'json', 'binary', 'geometry']);
const SEP = 0x7c; // '|'

/** A function hashing rows of `columns` (values in that order, NULL as null). */
export function rowHasher(
  columns: readonly RowStringColumn[],
  fn: RowHashFunction,
): (values: readonly RawValue[]) => bigint {
  const pieces = columns.map((c) =>
    c.family === 'bit' ? Piece.Bit : LENGTHED.has(c.family) ? Piece.Lengthed : Piece.Plain,
  );
  const nullable: number[] = [];
  columns.forEach((c, i) => {
    if (c.nullable) nullable.push(i);
  });
  let buf = Buffer.allocUnsafe(1024);
  let n = 0;
  let parts = 0;
  const room = (extra: number): void => {
    if (n + extra <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, n + extra));
    buf.copy(bigger, 0, 0, n);
    buf = bigger;
  };
  const sep = (): void => {
    if (parts++ > 0) {
      room(1);
      buf[n++] = SEP;
    }
  };
  const ascii = (s: string): void => {
    sep();
    room(s.length);
    n += buf.write(s, n, 'latin1');
  };
  const bytes = (v: Buffer): void => {
    room(v.length);
    n += v.copy(buf, n);
  };
  return (values) => {
    n = 0;
    parts = 0;
    for (let o = 0; o < nullable.length; o += BITMAP_BITS) ascii(bitmap(nullable, o, values));
    for (let i = 0; i < pieces.length; i++) {
      const v = values[i] ?? null;
      if (v === null) continue; // CONCAT_WS skips a NULL piece
      switch (pieces[i]) {
        case Piece.Bit:
          ascii((v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`)).toString());
          break;
        case Piece.Lengthed:
          ascii(String(v.length));
          sep();
          bytes(v);
          break;
        default:
          sep();
          bytes(v);
      }
    }
    if (fn === 'crc64-var') {
      return BigInt(crc32(buf.subarray(0, n))) * BigInt(crc32cRange(buf, 0, n));
    }
    const hex = createHash('sha1').update(buf.subarray(0, n)).digest('hex');
    return BigInt(`0x${hex.slice(0, 16)}`);
  };
}

/** The decimal text of one null bitmap: bit b set when the (o+b)-th nullable column is NULL. */
function bitmap(nullable: readonly number[], o: number, values: readonly RawValue[]): string {
  const end = Math.min(nullable.length, o + BITMAP_BITS);
  if (end - o <= 52) {
    let bits = 0;
    for (let b = 0; o + b < end; b++) {
      if ((values[nullable[o + b] ?? -1] ?? null) === null) bits += 2 ** b;
    }
    return String(bits);
  }
  let bits = 0n;
  for (let b = 0; o + b < end; b++) {
    if ((values[nullable[o + b] ?? -1] ?? null) === null) bits |= 1n << BigInt(b);
  }
  return bits.toString();
}
