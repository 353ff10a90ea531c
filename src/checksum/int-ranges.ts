import type { Chunk, ChunkSizer } from '../chunk/boundaries.js';
import type { RawValue } from '../db/types.js';

/**
 * Chunks of a single integer key cut by arithmetic instead of by reading keys: the boundary walk
 * (`LIMIT 1 OFFSET n`) reads every key of both sides once more, which costs about half of what
 * the server's own CHECKSUM TABLE does. A span of keys is sized from the rows per key unit seen
 * so far, so gaps in the keys only make chunks hold fewer rows, never wrong ones: the ranges
 * still cover every key, from an open first chunk to an open last one.
 */
export class IntKeySpans {
  private next: bigint | null = null;
  private index = 0;
  private done = false;
  private seenRows = 0;
  private seenSpan = 0n;
  private seenChunks = 0;

  /**
   * @param min the smallest key of either side
   * @param max the largest key of either side
   * @param rowsEstimate rows expected in [min, max] (sizes the first spans)
   * @param after start after this key (a resumed run); null: from the first
   */
  constructor(
    private readonly min: bigint,
    private readonly max: bigint,
    private readonly rowsEstimate: number,
    after: bigint | null = null,
  ) {
    this.next = after;
  }

  /** Rows per key unit: measured once two chunks have been read, estimated before. */
  private density(): number {
    if (this.seenChunks >= 2 && this.seenSpan > 0n) {
      return (this.seenRows + 1) / Number(this.seenSpan);
    }
    const width = Number(this.max - this.min) + 1;
    return Math.max(this.rowsEstimate, 1) / Math.max(width, 1);
  }

  /** The next chunk for `rows` rows, or null after the open-ended last one. */
  take(rows: number): Chunk | null {
    if (this.done) return null;
    const span = BigInt(
      Math.max(1, Math.ceil(Math.max(rows, 1) / Math.max(this.density(), 1e-12))),
    );
    const lo = this.next;
    const hi = (lo ?? this.min - 1n) + span;
    if (hi >= this.max) {
      this.done = true;
      return { index: this.index++, lo: bound(lo), hi: null };
    }
    this.next = hi;
    return { index: this.index++, lo: bound(lo), hi: bound(hi) };
  }

  /** Records how many rows a chunk of this walker held. */
  observe(chunk: Chunk, rows: number): void {
    const lo = chunk.lo ? intOf(chunk.lo[0]) : this.min - 1n;
    const hi = chunk.hi ? intOf(chunk.hi[0]) : this.max;
    if (hi <= lo) return;
    this.seenRows += rows;
    this.seenSpan += hi - lo;
    this.seenChunks++;
  }

  /** Yields chunks sized by `sizer` until the key range is covered. */
  *chunks(sizer: ChunkSizer): Generator<Chunk> {
    for (;;) {
      const c = this.take(sizer.next());
      if (!c) return;
      yield c;
    }
  }
}

/** An integer key value (decimal text bytes) as a bigint. */
export function intOf(v: RawValue | undefined): bigint {
  if (!v) throw new Error('integer key value missing');
  return BigInt(v.toString('latin1'));
}

function bound(v: bigint | null): RawValue[] | null {
  return v === null ? null : [Buffer.from(v.toString(), 'latin1')];
}

/** The middle of an integer key range (lo, hi], or null when it holds fewer than two keys. */
export function midKey(lo: bigint, hi: bigint): bigint | null {
  if (hi - lo < 2n) return null;
  return lo + (hi - lo) / 2n;
}
