import type { RawValue } from '../db/types.js';

/**
 * A chunk's per-row listing: every row's key and server-side row hash, packed by the server into
 * one `GROUP_CONCAT` value (`hash key,hash key,…`). One packed value instead of a result row per
 * table row: the driver's per-row cost is what dominates a listing otherwise. Listings are
 * compared on the packed bytes, so only differing rows ever become strings.
 */
export interface Listing {
  /** rows in the range (the server's COUNT, whatever the packed value holds) */
  readonly count: number;
  /** the packed value (null for an empty range) */
  readonly packed: Buffer | null;
  /** the server cut the packed value short (group_concat_max_len): not every row is in it */
  readonly truncated: boolean;
}

/** How keys are listed: a single integer key as digits, anything else length-prefixed. */
export type KeyShape =
  | { readonly kind: 'int' }
  | { readonly kind: 'general'; readonly columns: number };

const SPACE = 0x20;
const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const MINUS = 0x2d;

/**
 * Walks the entries of a packed listing without allocating: after `next()` returns true, the
 * current entry's hash is `buf[hashStart, hashEnd)` and its key `buf[keyStart, keyEnd)`.
 * A single integer key is `hash digits`; any other key is (`len:bytes`) per key column.
 */
class Cursor {
  hashStart = 0;
  hashEnd = 0;
  keyStart = 0;
  keyEnd = 0;
  entries = 0;
  /** set when the bytes do not parse (a listing cut short by the server) */
  broken = false;
  /** where the next entry starts */
  pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly shape: KeyShape,
  ) {}

  next(): boolean {
    const buf = this.buf;
    if (this.broken || this.pos >= buf.length) return false;
    const sp = buf.indexOf(SPACE, this.pos);
    if (sp < 0) return this.fail();
    this.hashStart = this.pos;
    this.hashEnd = sp;
    this.keyStart = sp + 1;
    if (this.shape.kind === 'int') {
      const comma = buf.indexOf(COMMA, this.keyStart);
      this.keyEnd = comma < 0 ? buf.length : comma;
    } else {
      let o = this.keyStart;
      for (let c = 0; c < this.shape.columns; c++) {
        let len = 0;
        let digits = 0;
        while (o < buf.length && buf[o] !== COLON) {
          // `o < buf.length`: the byte is there, `?? 0` never applies (and costs nothing)
          const d = (buf[o] ?? 0) - ZERO;
          if (d < 0 || d > 9) return this.fail();
          len = len * 10 + d;
          o++;
          digits++;
        }
        if (digits === 0 || o >= buf.length) return this.fail();
        o += 1 + len;
        if (o > buf.length) return this.fail();
      }
      this.keyEnd = o;
      if (o < buf.length && buf[o] !== COMMA) return this.fail();
    }
    this.pos = this.keyEnd + 1;
    this.entries++;
    return true;
  }

  key(): string {
    return this.buf.toString('latin1', this.keyStart, this.keyEnd);
  }

  /**
   * How many entries, from the current one, come before the entry whose key is
   * `other[start, end)`, looking at most `window` entries ahead; -1 if not found. Moves nothing.
   */
  find(other: Buffer, start: number, end: number, window: number): number {
    const probe = new Cursor(this.buf, this.shape);
    probe.pos = this.hashStart;
    for (let n = 0; n <= window && probe.next(); n++) {
      if (sameBytes(this.buf, probe.keyStart, probe.keyEnd, other, start, end)) return n;
    }
    return -1;
  }

  hash(): string {
    return this.buf.toString('latin1', this.hashStart, this.hashEnd);
  }

  private fail(): boolean {
    this.broken = true;
    return false;
  }
}

function sameBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

export interface ListingComparison {
  /** keys listed on both sides with equal hashes */
  readonly identical: number;
  /** every other key of either side, once (listed form): the rows the client must read */
  readonly suspects: string[];
}

/** How far ahead a general key is looked for when the sides stop lining up. */
const RESYNC_WINDOW = 32;

/**
 * Compares two listings by key, walking both packed values in step (the servers list in key
 * order): equal key and hash → identical; equal key, different hash → suspect. Where the keys
 * differ (a row one side lacks), integer keys are merged by value; other keys are looked for a
 * few entries ahead, and failing that the rest is compared through a map.
 *
 * Whatever the order, an entry counts as identical only next to an entry of the other side with
 * the same key and hash, and every other entry becomes a suspect of its own side, each entry
 * used once: a wrong guess about order only makes extra suspects, which the client then reads
 * and finds identical. Returns null when a listing does not hold `count` well-formed entries.
 */
export function compareListings(b: Listing, i: Listing, shape: KeyShape): ListingComparison | null {
  if (shape.kind === 'int') return compareIntListings(b, i);
  const bb = b.packed ?? Buffer.alloc(0);
  const ib = i.packed ?? Buffer.alloc(0);
  const cb = new Cursor(bb, shape);
  const ci = new Cursor(ib, shape);
  let identical = 0;
  const suspects = new Set<string>();
  let hasB = cb.next();
  let hasI = ci.next();
  while (hasB && hasI) {
    if (sameBytes(bb, cb.keyStart, cb.keyEnd, ib, ci.keyStart, ci.keyEnd)) {
      if (sameBytes(bb, cb.hashStart, cb.hashEnd, ib, ci.hashStart, ci.hashEnd)) identical++;
      else suspects.add(cb.key());
      hasB = cb.next();
      hasI = ci.next();
    } else {
      const skipI = ci.find(bb, cb.keyStart, cb.keyEnd, RESYNC_WINDOW);
      const skipB = skipI < 0 ? cb.find(ib, ci.keyStart, ci.keyEnd, RESYNC_WINDOW) : -1;
      if (skipI < 0 && skipB < 0) break;
      const [side, n] = skipI >= 0 ? [ci, skipI] : [cb, skipB];
      for (let k = 0; k < n; k++) {
        suspects.add(side.key());
        side.next();
      }
    }
  }
  if (hasB && hasI) {
    // Out of step beyond the window: the rest by key.
    const rest = new Map<string, string>();
    for (; hasB; hasB = cb.next()) rest.set(cb.key(), cb.hash());
    for (; hasI; hasI = ci.next()) {
      const key = ci.key();
      const h = rest.get(key);
      if (h !== undefined) rest.delete(key);
      if (h === ci.hash()) identical++;
      else suspects.add(key);
    }
    for (const key of rest.keys()) suspects.add(key);
  }
  for (; hasB; hasB = cb.next()) suspects.add(cb.key());
  for (; hasI; hasI = ci.next()) suspects.add(ci.key());
  if (cb.broken || ci.broken || cb.entries !== b.count || ci.entries !== i.count) return null;
  return { identical, suspects: [...suspects] };
}

/**
 * The integer-key walk, skipping the long runs where both packed values are byte for byte the
 * same (native compares: most of a listing, even where a few rows in fifty differ). Only the
 * entries around a difference are parsed; identical entries are never counted one by one:
 * every entry of a side is either identical or a suspect of that side, so identical rows are
 * the count minus that side's suspects, and both sides must agree on that number. (Entries are
 * not counted against COUNT(*) here: a listing holds fewer only when the server cut it at
 * group_concat_max_len, which `truncated` says; no entry can be NULL — keys are NOT NULL and a
 * hash the server cannot compute has a marker.)
 */
function compareIntListings(b: Listing, i: Listing): ListingComparison | null {
  const bb = b.packed ?? Buffer.alloc(0);
  const ib = i.packed ?? Buffer.alloc(0);
  const cb = new Cursor(bb, INT_SHAPE);
  const ci = new Cursor(ib, INT_SHAPE);
  const suspects = new Set<string>();
  let bSuspects = 0;
  let iSuspects = 0;
  let ob = 0;
  let oi = 0;
  while (ob < bb.length && oi < ib.length) {
    const d = commonPrefix(bb, ob, ib, oi);
    if (ob + d >= bb.length && oi + d >= ib.length) {
      ob = bb.length;
      oi = ib.length;
      break;
    }
    // back to the start of the entry holding the first difference (',' only ends entries here)
    const comma = d === 0 ? -1 : bb.lastIndexOf(COMMA, ob + d - 1);
    const start = comma >= ob ? comma + 1 - ob : 0;
    cb.pos = ob + start;
    ci.pos = oi + start;
    const hasB = cb.next();
    const hasI = ci.next();
    if (!hasB || !hasI) {
      ob = hasB ? cb.hashStart : cb.pos;
      oi = hasI ? ci.hashStart : ci.pos;
      break;
    }
    if (sameBytes(bb, cb.keyStart, cb.keyEnd, ib, ci.keyStart, ci.keyEnd)) {
      if (!sameBytes(bb, cb.hashStart, cb.hashEnd, ib, ci.hashStart, ci.hashEnd)) {
        suspects.add(cb.key());
        bSuspects++;
        iSuspects++;
      }
      ob = cb.pos;
      oi = ci.pos;
    } else if (compareIntText(bb, cb.keyStart, cb.keyEnd, ib, ci.keyStart, ci.keyEnd) < 0) {
      suspects.add(cb.key());
      bSuspects++;
      ob = cb.pos;
      oi = ci.hashStart;
    } else {
      suspects.add(ci.key());
      iSuspects++;
      ob = cb.hashStart;
      oi = ci.pos;
    }
  }
  // what one side has left, the other side lacks
  for (cb.pos = ob; cb.next(); bSuspects++) suspects.add(cb.key());
  for (ci.pos = oi; ci.next(); iSuspects++) suspects.add(ci.key());
  const identical = b.count - bSuspects;
  if (cb.broken || ci.broken || identical < 0 || identical !== i.count - iSuspects) return null;
  return { identical, suspects: [...suspects] };
}

const INT_SHAPE: KeyShape = { kind: 'int' };

/** How many bytes from `a[as]` and `b[bs]` on are equal: native compares, block by block. */
function commonPrefix(a: Buffer, as: number, b: Buffer, bs: number): number {
  const most = Math.min(a.length - as, b.length - bs);
  let n = 0;
  let block = 64;
  while (n < most) {
    const len = Math.min(block, most - n);
    if (a.compare(b, bs + n, bs + n + len, as + n, as + n + len) !== 0) {
      for (let k = 0; k < len; k++) if (a[as + n + k] !== b[bs + n + k]) return n + k;
    }
    n += len;
    if (block < 4096) block *= 2;
  }
  return most;
}

/** Orders two integers given as decimal text ("-12", "7"), without parsing them. */
function compareIntText(
  a: Buffer,
  as: number,
  ae: number,
  b: Buffer,
  bs: number,
  be: number,
): number {
  const na = a[as] === MINUS;
  const nb = b[bs] === MINUS;
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  const la = ae - as;
  const lb = be - bs;
  if (la !== lb) return sign * (la - lb);
  // The keys lie within their buffers (the parser's bounds): `?? 0` never applies.
  for (let k = 0; k < la; k++) {
    const d = (a[as + k] ?? 0) - (b[bs + k] ?? 0);
    if (d !== 0) return sign * d;
  }
  return 0;
}

/** Every entry of a listing as strings (tests, diagnostics), or null when it does not parse. */
export function listingEntries(
  l: Listing,
  shape: KeyShape,
): { keys: string[]; hashes: string[] } | null {
  const c = new Cursor(l.packed ?? Buffer.alloc(0), shape);
  const keys: string[] = [];
  const hashes: string[] = [];
  while (c.next()) {
    keys.push(c.key());
    hashes.push(c.hash());
  }
  return c.broken || c.entries !== l.count ? null : { keys, hashes };
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
