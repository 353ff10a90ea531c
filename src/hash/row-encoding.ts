import type { TypeFamily } from '../introspect/types.js';
import { canonicalJson, JsonSyntaxError } from './json-canonical.js';

/**
 * The canonical encoding of a row (DESIGN.md §5): the compared columns in name order, each as
 * (null flag, 4-byte little-endian length, bytes). Length-prefixed, never separator-joined, so
 * ('ab','c') and ('a','bc') differ, and NULL differs from '' and from 'NULL'.
 *
 * Every value arrives as the server's text-protocol bytes, which already are the canonical
 * form for almost every type (session time zone UTC, connection charset utf8mb4): integers and
 * DECIMALs as exact decimal text, temporals as text with their fractional seconds, strings as
 * UTF-8, binary/BIT/GEOMETRY as raw bytes. JSON is the exception: it is parsed and
 * re-serialised with sorted keys.
 *
 * INVARIANT: changing this encoding changes every row hash and digest; plans made before the
 * change would be refused as stale. Bump the plan format version with it.
 */
/** A column value as the server's text protocol sends it (the same shape as db/types' RawValue). */
type RawValue = Buffer | null;
type RawRow = RawValue[];

export const FLAG_NULL = 0;
export const FLAG_VALUE = 1;
/** JSON that does not parse is hashed as its raw bytes, under a flag of its own. */
export const FLAG_RAW_JSON = 2;

export class RowEncoder {
  private buf = Buffer.allocUnsafe(1 << 16);
  private readonly json: boolean[];
  /** whether a column is JSON: its canonical form then differs from its stored text */
  readonly hasJson: boolean;

  /**
   * `stored`: encode the values as the server stores them (JSON as its text, not canonical):
   * the form the plan writes back and reports show. The canonical form (the default) is the
   * one rows are hashed and compared in.
   */
  constructor(families: readonly TypeFamily[], options: { stored?: boolean } = {}) {
    this.hasJson = families.some((f) => f === 'json');
    this.json = families.map((f) => f === 'json' && options.stored !== true);
  }

  /**
   * Encodes `values[offset .. offset + families.length)`. The returned buffer is a view into an
   * internal buffer, valid until the next call: copy it to keep it.
   */
  encode(values: Readonly<RawRow>, offset = 0): Buffer {
    let o = 0;
    const n = this.json.length;
    for (let i = 0; i < n; i++) {
      let v: RawValue = values[offset + i] ?? null;
      let flag = FLAG_VALUE;
      if (v === null) {
        this.ensure(o + 1);
        this.buf[o++] = FLAG_NULL;
        continue;
      }
      if (this.json[i]) {
        const c = canonicalJsonBytes(v);
        if (c === null) flag = FLAG_RAW_JSON;
        else v = c;
      }
      this.ensure(o + 5 + v.length);
      this.buf[o] = flag;
      this.buf.writeUInt32LE(v.length, o + 1);
      this.buf.set(v, o + 5);
      o += 5 + v.length;
    }
    return this.buf.subarray(0, o);
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2));
    this.buf.copy(next);
    this.buf = next;
  }
}

function canonicalJsonBytes(v: Buffer): Buffer | null {
  try {
    return Buffer.from(canonicalJson(v.toString('utf8')), 'utf8');
  } catch (e) {
    if (e instanceof JsonSyntaxError) return null;
    throw e;
  }
}

/**
 * Splits an encoded row back into its column values (for finding which columns differ).
 * Returns each column's encoded slice (flag + length + bytes), comparable with Buffer.equals.
 */
export function splitEncoded(encoded: Buffer, columns: number): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  for (let i = 0; i < columns; i++) {
    if (encoded[o] === FLAG_NULL) {
      out.push(encoded.subarray(o, o + 1));
      o += 1;
      continue;
    }
    const len = encoded.readUInt32LE(o + 1);
    out.push(encoded.subarray(o, o + 5 + len));
    o += 5 + len;
  }
  return out;
}
