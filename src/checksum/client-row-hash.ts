/**
 * The server's per-row hash (row-expr.ts), computed in the client from the values the server
 * sends: the same row string, byte for byte, then the same hash. What lets a plan predict the
 * aggregates a server will compute over a table after the plan is applied (count and sum of row
 * hashes, mod 2^64), so that the stale check, verify and the check after rollback are one
 * server-side scan each instead of every row streamed to the client.
 *
 * INVARIANT: rowStringBytes(columns, values) equals the bytes of columnsRowStringSql(columns)
 * for the row whose protocol values are `values` (checked on the real server by
 * test/checksum/client-row-hash.test.ts). Which tables qualify is trustedForServerDigest's.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ColumnInfo } from '../introspect/types.js';
import { BITMAP_BITS, type RowHashFunction, type RowStringColumn } from './row-expr.js';

/** Charsets whose stored bytes are the protocol's (utf8mb4) bytes: no conversion needed. */
const UTF8_COMPATIBLE = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);
const TEXTUAL = new Set(['text', 'enum', 'set', 'json']);

/** A target table's stored columns as its row string sees them (in the order given). */
export function tableRowColumns(columns: readonly ColumnInfo[]): RowStringColumn[] {
  return columns.map((c) => ({
    name: c.name,
    family: c.family,
    nullable: c.nullable,
    convert: TEXTUAL.has(c.family) && c.charset !== null && !UTF8_COMPATIBLE.has(c.charset),
  }));
}

const SEP = Buffer.from('|');

/** The row string's bytes for one row, from the values the server sends (NULL as null). */
export function rowStringBytes(
  columns: readonly RowStringColumn[],
  values: readonly (Buffer | null)[],
): Buffer {
  const parts: Buffer[] = [];
  const nullable = columns.map((c, i) => ({ c, i })).filter((x) => x.c.nullable);
  for (let o = 0; o < nullable.length; o += BITMAP_BITS) {
    let bits = 0n;
    nullable.slice(o, o + BITMAP_BITS).forEach((x, b) => {
      if ((values[x.i] ?? null) === null) bits |= 1n << BigInt(b);
    });
    parts.push(Buffer.from(bits.toString()));
  }
  columns.forEach((c, i) => {
    const v = values[i] ?? null;
    if (v === null) return; // CONCAT_WS skips a NULL piece
    switch (c.family) {
      case 'bit':
        parts.push(
          Buffer.from((v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`)).toString()),
        );
        return;
      case 'text':
      case 'enum':
      case 'set':
      case 'json':
      case 'binary':
      case 'geometry':
        parts.push(Buffer.from(String(v.length)), v);
        return;
      default:
        parts.push(v);
    }
  });
  const out: Buffer[] = [];
  parts.forEach((p, n) => {
    if (n > 0) out.push(SEP);
    out.push(p);
  });
  return Buffer.concat(out);
}

/** The per-row hash the server computes of a row string (rowHashSql). */
export function rowHashOf(fn: RowHashFunction, s: Buffer): bigint {
  if (fn === 'crc64-var') return BigInt(crc32(s)) * BigInt(crc32c(s));
  return BigInt(`0x${createHash('sha1').update(s).digest('hex').slice(0, 16)}`);
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as the server's CRC32C(). */
export function crc32c(buf: Buffer): number {
  return crc32cRange(buf, 0, buf.length);
}

/** CRC-32C of `buf[start, end)`. */
export function crc32cRange(buf: Buffer, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = (CRC32C_TABLE[(c ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
