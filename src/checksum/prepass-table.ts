import { AdaptiveSizer, type Chunk, type ChunkSizer, walkChunks } from '../chunk/boundaries.js';
import type { RawValue } from '../db/types.js';
import type { TableReader } from '../diff/table-reader.js';
import type { ChunkPart } from '../diff/table-tally.js';
import { IntKeySpans, intOf, midKey } from './int-ranges.js';
import {
  type Checksum,
  type KeyRange,
  newCounters,
  type ResolveCounters,
  type ResolveEnv,
  type ResolveTuning,
  resolveRange,
} from './resolve.js';
import { listHashSql, type RowHashFunction, rowHashSql, rowStringSql } from './row-expr.js';
import { ServerSide } from './server-side.js';

export type PrepassMode = 'checksum' | 'list';

/**
 * Which way a table's next chunks go: checksum first (most chunks identical), or straight to a
 * listing (most chunks differ, as with differences scattered over the whole table, where a
 * checksum would only be paid for twice). Follows a moving average of how many chunks differed,
 * with a gap between the two thresholds so it does not flap.
 */
export class ModeTracker {
  private dirtiness = 0;
  private mode: PrepassMode = 'checksum';

  current(): PrepassMode {
    return this.mode;
  }

  record(dirty: boolean): void {
    this.dirtiness = 0.7 * this.dirtiness + (dirty ? 0.3 : 0);
    if (this.mode === 'checksum' && this.dirtiness > 0.5) this.mode = 'list';
    else if (this.mode === 'list' && this.dirtiness < 0.25) this.mode = 'checksum';
  }
}

export interface PrepassOptions {
  readonly rowHash: RowHashFunction;
  readonly tuning: ResolveTuning;
  /** chunks in flight at once (sizes chunks so a table gives every worker several) */
  readonly concurrency: number;
  /** a fixed number of rows per top-level chunk (tests) */
  readonly chunkRows?: number;
  /** time a chunk's server-side step aims at */
  readonly targetMs: number;
}

/**
 * One keyed table pair compared through the server-side pre-pass: chunking, per-chunk
 * resolution (resolve.ts), and the mode and chunk-size learning across the table's chunks.
 */
export class PrepassTable {
  readonly backup: ServerSide;
  readonly interim: ServerSide;
  readonly counters: ResolveCounters = newCounters();
  readonly mode = new ModeTracker();
  private readonly env: ResolveEnv;
  private readonly checksumSizer: AdaptiveSizer;
  private readonly listSizer: AdaptiveSizer;
  private spans: IntKeySpans | null = null;

  constructor(readers: { backup: TableReader; interim: TableReader }, opts: PrepassOptions) {
    const pair = readers.backup.pair;
    const keyNames = pair.identity.kind === 'none' ? [] : pair.identity.columns;
    const hashes = {
      // A sum must bind every row's content to its key, so the key is in the hashed string; a
      // listing pairs key and hash itself (and an equal listed key is an equal key column).
      sum: rowHashSql(rowStringSql(pair), opts.rowHash),
      list: listHashSql(rowStringSql(pair, keyNames)),
    };
    this.backup = new ServerSide(readers.backup, hashes);
    this.interim = new ServerSide(readers.interim, hashes);
    this.env = {
      shape: this.backup.shape,
      backup: this.backup,
      interim: this.interim,
      split: (r, b, i) => this.split(r, b, i),
      tuning: opts.tuning,
      counters: this.counters,
    };
    const estimate = Math.max(pair.backup.rowsEstimate, pair.interim.rowsEstimate);
    const fixed = opts.chunkRows;
    // Enough chunks that every worker gets several, each at most ~1M rows. The first ones are
    // small: they tell soon whether the table's chunks mostly differ (then it lists instead).
    const most = Math.min(
      1_000_000,
      Math.max(10_000, Math.floor(estimate / (4 * opts.concurrency))),
    );
    this.checksumSizer = fixed
      ? new AdaptiveSizer(fixed, fixed, fixed, opts.targetMs)
      : new AdaptiveSizer(5_000, 2_000, most, opts.targetMs);
    const listMost = Math.min(opts.tuning.listRows, most);
    this.listSizer = fixed
      ? new AdaptiveSizer(fixed, fixed, fixed, opts.targetMs)
      : new AdaptiveSizer(Math.min(20_000, listMost), 1_000, listMost, opts.targetMs);
  }

  /**
   * The table's top-level chunks, sized for the mode the table is in when each is cut; with
   * `after` (a resumed run), only the keys above it.
   */
  async *chunks(after: readonly RawValue[] | null = null): AsyncGenerator<Chunk> {
    const sizer: ChunkSizer = {
      next: () =>
        this.mode.current() === 'list'
          ? Math.min(this.listSizer.next(), this.suspectCap())
          : this.checksumSizer.next(),
    };
    if (this.backup.shape.kind === 'int') {
      const bounds = await Promise.all([this.backup.intBounds(), this.interim.intBounds()]);
      let min: bigint | null = null;
      let max: bigint | null = null;
      for (const b of bounds) {
        if (!b) continue;
        if (min === null || b.min < min) min = b.min;
        if (max === null || b.max > max) max = b.max;
      }
      if (min === null || max === null) {
        yield { index: 0, lo: after, hi: null };
        return;
      }
      const pair = this.backup.reader.pair;
      const estimate = Math.max(pair.backup.rowsEstimate, pair.interim.rowsEstimate);
      this.spans = new IntKeySpans(min, max, estimate, after ? intOf(after[0]) : null);
      yield* this.spans.chunks(sizer);
      return;
    }
    yield* walkChunks([this.backup.reader, this.interim.reader], sizer, after);
  }

  /**
   * Rows a listed chunk may hold so that its suspects (at the density seen so far) fit one
   * fetch: a chunk with more is listed again in halves, which costs a second listing.
   */
  private suspectCap(): number {
    const c = this.counters;
    const listed = c.rowsListed / 2;
    if (listed < 10_000 || c.suspects === 0) return Number.POSITIVE_INFINITY;
    const density = c.suspects / listed;
    return Math.max(1_000, Math.floor((0.5 * this.env.tuning.maxSuspects) / density));
  }

  /** Compares one top-level chunk; returns its part for the tally. */
  async resolve(chunk: Chunk): Promise<{ part: ChunkPart; rows: number; clean: boolean }> {
    const mode = this.mode.current();
    const t0 = performance.now();
    const out = await resolveRange(this.env, chunk, mode);
    const ms = performance.now() - t0;
    this.spans?.observe(chunk, out.rows);
    if (mode === 'list') this.listSizer.observe(out.rows, ms);
    else if (out.clean) this.checksumSizer.observe(out.rows, ms);
    this.mode.record(!out.clean);
    const part: ChunkPart = out.clean
      ? { kind: 'identical', rows: out.rows }
      : {
          kind: 'keyed',
          diff: out.diff ?? { identical: out.rows, changed: [], onlyBackup: [], onlyInterim: [] },
        };
    return { part, rows: out.rows, clean: out.clean };
  }

  /**
   * Cuts a range in two: at the middle key for an integer key with both bounds known (no
   * query), else at the middle row of the side with more rows.
   */
  private async split(
    range: KeyRange,
    backup: number,
    interim: number,
  ): Promise<[KeyRange, KeyRange] | null> {
    if (this.backup.shape.kind === 'int' && range.lo && range.hi) {
      const mid = midKey(intOf(range.lo[0]), intOf(range.hi[0]));
      if (mid === null) return null;
      const m: RawValue[] = [Buffer.from(mid.toString(), 'latin1')];
      return [
        { lo: range.lo, hi: m },
        { lo: m, hi: range.hi },
      ];
    }
    const side = backup >= interim ? this.backup : this.interim;
    const n = Math.max(backup, interim);
    if (n < 2) return null;
    const mid = await side.keyAt(range, Math.floor(n / 2) - 1);
    if (!mid) return null;
    return [
      { lo: range.lo, hi: mid },
      { lo: mid, hi: range.hi },
    ];
  }

  /** Partition checksums of both sides of a table without a key. */
  async partitionChecksums(parts: number): Promise<[Map<number, Checksum>, Map<number, Checksum>]> {
    const t0 = performance.now();
    const out = await Promise.all([
      this.backup.partitionChecksums(parts),
      this.interim.partitionChecksums(parts),
    ]);
    this.counters.checksumMs += performance.now() - t0;
    this.counters.checksumQueries++;
    return out;
  }
}
