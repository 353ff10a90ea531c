import type { RawValue, Session } from '../db/types.js';
import { boundaryExpr, compareKey, type KeyColumn, orderBy } from './key-sql.js';

/** A key range: lo < key <= hi; a null bound is open. The unit of parallel work. */
export interface Chunk {
  readonly index: number;
  readonly lo: readonly RawValue[] | null;
  readonly hi: readonly RawValue[] | null;
}

/** One side of a keyed table, as the boundary walker needs it. */
export interface KeyedSide {
  /** `schema`.`table`, quoted */
  readonly table: string;
  readonly keys: readonly KeyColumn[];
  run<T>(fn: (s: Session) => Promise<T>): Promise<T>;
}

interface Boundary {
  /** per key column, as `boundaryExpr` selects it */
  readonly values: RawValue[];
  /** per key column, its WEIGHT_STRING (null where the column has none) */
  readonly weights: RawValue[];
}

/** How many rows the next chunk should hold; learns from how long chunks take. */
export interface ChunkSizer {
  next(): number;
}

/**
 * Walks the sides' keys in step and yields chunks holding at most `sizer.next()` rows on each
 * side: the next boundary is the smallest of the sides' n-th key after the last boundary.
 * Rows only one side has (an interim's new ids above the backup's maximum) are chunked as
 * finely as shared ones. The first chunk's `lo` is `after`: chunks cover every key above it.
 *
 * Correctness never depends on the client's comparison of the two candidates: both sides are
 * then read with the same predicate, evaluated by the servers. A wrong pick only makes a chunk
 * larger.
 */
export async function* walkChunks(
  sides: readonly KeyedSide[],
  sizer: ChunkSizer,
  /** start after this key (a resumed run: keys up to it are done); null: from the first key */
  after: readonly RawValue[] | null = null,
): AsyncGenerator<Chunk> {
  const first = sides[0];
  if (!first) throw new Error('walkChunks needs at least one side');
  let last: readonly RawValue[] | null = after;
  let index = 0;
  for (;;) {
    const n = Math.max(1, Math.floor(sizer.next()));
    const found = await Promise.all(sides.map((s) => nthKeyAfter(s, last, n)));
    let next: Boundary | null = null;
    for (const b of found) {
      if (b !== null && (next === null || compareBoundaries(first.keys, b, next) < 0)) next = b;
    }
    if (next === null) {
      yield { index, lo: last, hi: null };
      return;
    }
    yield { index: index++, lo: last, hi: next.values };
    last = next.values;
  }
}

async function nthKeyAfter(
  side: KeyedSide,
  last: readonly RawValue[] | null,
  n: number,
): Promise<Boundary | null> {
  const cols = side.keys.map(boundaryExpr);
  const weights = side.keys.flatMap((k) => (k.weight === null ? [] : [k.weight]));
  const where = last ? compareKey(side.keys, last, '>') : { sql: '1=1', params: [] };
  const sql = `SELECT ${[...cols, ...weights].join(', ')} FROM ${side.table} WHERE ${where.sql} ORDER BY ${orderBy(side.keys)} LIMIT 1 OFFSET ${n - 1}`;
  const rows = await side.run((s) => s.rawRows(sql, where.params));
  const row = rows[0];
  if (!row) return null;
  const values = row.slice(0, cols.length).map((v) => (v === null ? null : Buffer.from(v)));
  let w = cols.length;
  const ws = side.keys.map((k) => (k.weight === null ? null : (row[w++] ?? null)));
  return { values, weights: ws.map((v) => (v === null ? null : Buffer.from(v))) };
}

/** Orders two boundaries as the server would; see walkChunks for why approximate is safe. */
function compareBoundaries(keys: readonly KeyColumn[], a: Boundary, b: Boundary): number {
  for (const [i, k] of keys.entries()) {
    const c = compareKeyPart(
      k,
      a.values[i] ?? null,
      b.values[i] ?? null,
      a.weights[i] ?? null,
      b.weights[i] ?? null,
    );
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Orders two values of a key column (as `boundaryExpr` selects them) the way the server does,
 * by their collation weights when both have one. Only picks the nearer of two candidate
 * boundaries, but a wrong pick makes a chunk larger than asked: memory depends on it.
 */
export function compareKeyPart(
  k: KeyColumn,
  a: RawValue,
  b: RawValue,
  wa: RawValue,
  wb: RawValue,
): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (wa && wb) return Buffer.compare(wa, wb);
  switch (k.info.family) {
    case 'integer':
    case 'enum':
    case 'set':
    case 'bit': {
      const x = BigInt(a.toString('latin1'));
      const y = BigInt(b.toString('latin1'));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'decimal':
      return compareDecimalText(a.toString('latin1'), b.toString('latin1'));
    case 'float':
      return Number(a.toString('latin1')) - Number(b.toString('latin1'));
    case 'temporal':
      // DATE, DATETIME, TIMESTAMP and YEAR texts are fixed-width: byte order is time order.
      // TIME is not ('-838:59:59' < '-00:00:01' < '9:00:00' < '100:00:00').
      if (k.info.dataType === 'time') {
        const x = timeMicros(a.toString('latin1'));
        const y = timeMicros(b.toString('latin1'));
        return x < y ? -1 : x > y ? 1 : 0;
      }
      return Buffer.compare(a, b);
    default:
      return Buffer.compare(a, b);
  }
}

/** A TIME text ('-838:59:59.5') as signed microseconds. */
function timeMicros(t: string): bigint {
  const m = /^(-)?(\d+):(\d+):(\d+)(?:\.(\d{1,6}))?$/.exec(t);
  if (!m) return 0n;
  const [, neg, h = '0', min = '0', sec = '0', frac = ''] = m;
  const us =
    ((BigInt(h) * 60n + BigInt(min)) * 60n + BigInt(sec)) * 1_000_000n +
    BigInt(frac.padEnd(6, '0'));
  return neg ? -us : us;
}

/** Compares two exact decimal texts ("-12.50", "3") without going through a double. */
export function compareDecimalText(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  const [ai = '', af = ''] = a.replace('-', '').split('.');
  const [bi = '', bf = ''] = b.replace('-', '').split('.');
  const ia = ai.replace(/^0+(?=\d)/, '');
  const ib = bi.replace(/^0+(?=\d)/, '');
  if (ia.length !== ib.length) return sign * (ia.length - ib.length);
  if (ia !== ib) return sign * (ia < ib ? -1 : 1);
  const len = Math.max(af.length, bf.length);
  const fa = af.padEnd(len, '0');
  const fb = bf.padEnd(len, '0');
  return fa === fb ? 0 : sign * (fa < fb ? -1 : 1);
}

/**
 * Chunk sizes that aim at a time per chunk (pt-table-checksum's idea): grows while chunks are
 * quick, shrinks when they are slow, within [min, max], never more than doubling at once.
 */
export class AdaptiveSizer implements ChunkSizer {
  private n: number;
  constructor(
    initial: number,
    private readonly min: number,
    private readonly max: number,
    private readonly targetMs: number,
  ) {
    this.n = clamp(initial, min, max);
  }
  next(): number {
    return Math.round(this.n);
  }
  /** Records that a chunk of `rows` rows took `ms`. */
  observe(rows: number, ms: number): void {
    if (rows < this.n / 2) return; // a short tail chunk says little about speed
    const rate = rows / Math.max(ms, 1);
    const want = rate * this.targetMs;
    this.n = clamp(want, Math.max(this.min, this.n / 2), Math.min(this.max, this.n * 2));
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
