import type { RawValue, SqlParam } from '../db/types.js';
import { FLAG_NULL } from '../hash/row-encoding.js';
import type { TypeFamily } from '../introspect/types.js';
import type { Cell } from './cells.js';

/**
 * Cells (plan.json/action form) ↔ the server's raw bytes ↔ placeholder values.
 * Bytes families travel as hex; everything else as the server's text.
 */
export function isBytesFamily(f: TypeFamily): boolean {
  return f === 'binary' || f === 'bit' || f === 'geometry';
}

export function cellFromRaw(family: TypeFamily, v: RawValue): Cell {
  if (v === null) return null;
  return isBytesFamily(family) ? { hex: v.toString('hex') } : v.toString('utf8');
}

/** One column of a canonical encoding (`splitEncoded`'s flag + length + bytes) as a cell. */
export function cellFromEncoded(family: TypeFamily, part: Buffer | undefined): Cell {
  if (part === undefined || part[0] === FLAG_NULL) return null;
  return cellFromRaw(family, part.subarray(5));
}

/** The bytes the server will return for a cell once written (what row hashes are made of). */
export function rawFromCell(c: Cell): RawValue {
  if (c === null) return null;
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.hex, 'hex');
}

/** A placeholder value for writing a cell. */
export function paramFromCell(c: Cell): SqlParam {
  if (c === null) return null;
  return typeof c === 'string' ? c : Buffer.from(c.hex, 'hex');
}
