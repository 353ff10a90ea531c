import type { RawValue } from '../db/types.js';

/**
 * A chunk's per-row listing: every row's key and server-side row hash, packed by the server into
 * one `GROUP_CONCAT` value (`hash key,hash key,…`). One packed value instead of a result row per
 * table row: the driver's per-row cost is what dominates a listing otherwise.
 */
export interface Listing {
  /** rows in the range (the server's COUNT, whatever the packed value holds) */
  readonly count: number;
  /** each row's key in its listed form (latin1 view of the bytes), in the server's scan order */
  readonly keys: string[];
  /** each row's hash, as decimal text, parallel to `keys` */
  readonly hashes: string[];
  /** the packed value itself: two equal packed values are two equal listings */
  readonly packed: Buffer | null;
}

/** How keys are listed: a single integer key as digits, anything else length-prefixed. */
export type KeyShape =
  | { readonly kind: 'int' }
  | { readonly kind: 'general'; readonly columns: number };

const SPACE = 0x20;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * Parses a packed listing. Returns null when the packed value holds fewer rows than `count`
 * (the server truncated it at group_concat_max_len): the caller splits the range and retries.
 */
export function parseListing(
  count: number,
  packed: Buffer | null,
  shape: KeyShape,
): Listing | null {
  if (count === 0 || packed === null) {
    return count === 0 ? { count, keys: [], hashes: [], packed } : null;
  }
  const keys: string[] = [];
  const hashes: string[] = [];
  if (shape.kind === 'int') {
    for (const entry of packed.toString('latin1').split(',')) {
      const sp = entry.indexOf(' ');
      if (sp < 0) return null;
      hashes.push(entry.slice(0, sp));
      keys.push(entry.slice(sp + 1));
    }
  } else if (!parseGeneral(packed, shape.columns, keys, hashes)) {
    return null;
  }
  return keys.length === count ? { count, keys, hashes, packed } : null;
}

/** `hash key(,hash key)*` where key = (`len:bytes`){columns}. */
function parseGeneral(buf: Buffer, columns: number, keys: string[], hashes: string[]): boolean {
  let o = 0;
  while (o < buf.length) {
    const sp = buf.indexOf(SPACE, o);
    if (sp < 0) return false;
    hashes.push(buf.toString('latin1', o, sp));
    const start = sp + 1;
    o = start;
    for (let c = 0; c < columns; c++) {
      const colon = buf.indexOf(COLON, o);
      if (colon < 0) return false;
      const len = Number(buf.toString('latin1', o, colon));
      if (!Number.isSafeInteger(len) || colon + 1 + len > buf.length) return false;
      o = colon + 1 + len;
    }
    keys.push(buf.toString('latin1', start, o));
    if (o < buf.length) {
      if (buf[o] !== COMMA) return false;
      o++;
    }
  }
  return true;
}

/** A listed key back as the raw values chunk boundaries use (one per key column). */
export function decodeKey(key: string, shape: KeyShape): RawValue[] {
  const buf = Buffer.from(key, 'latin1');
  if (shape.kind === 'int') return [buf];
  const out: RawValue[] = [];
  let o = 0;
  for (let c = 0; c < shape.columns; c++) {
    const colon = buf.indexOf(COLON, o);
    const len = Number(buf.toString('latin1', o, colon));
    out.push(buf.subarray(colon + 1, colon + 1 + len));
    o = colon + 1 + len;
  }
  return out;
}

export interface ListingComparison {
  /** keys listed on both sides with equal hashes */
  readonly identical: number;
  /** every other key of either side, once: the rows the client must read and compare */
  readonly suspects: string[];
}

/**
 * Compares two listings by key. Both usually come in the same (key) order, so they are walked
 * in step; from the first point where the keys stop lining up, the rest goes through a map.
 * Order is only a fast path: the result does not depend on it.
 */
export function compareListings(b: Listing, i: Listing): ListingComparison {
  let identical = 0;
  const suspects: string[] = [];
  const n = Math.min(b.keys.length, i.keys.length);
  let j = 0;
  for (; j < n; j++) {
    const key = b.keys[j] as string;
    if (key !== i.keys[j]) break;
    if (b.hashes[j] === i.hashes[j]) identical++;
    else suspects.push(key);
  }
  if (j === b.keys.length && j === i.keys.length) return { identical, suspects };

  const rest = new Map<string, string>();
  for (let k = j; k < b.keys.length; k++) rest.set(b.keys[k] as string, b.hashes[k] as string);
  for (let k = j; k < i.keys.length; k++) {
    const key = i.keys[k] as string;
    const h = rest.get(key);
    if (h !== undefined) rest.delete(key);
    if (h === i.hashes[k]) identical++;
    else suspects.push(key);
  }
  for (const key of rest.keys()) suspects.push(key);
  return { identical, suspects };
}
