import type { Logger } from 'pino';
import { PrepassTable } from '../checksum/prepass-table.js';
import type { Checksum, ResolveCounters, ResolveTuning } from '../checksum/resolve.js';
import type { RowHashFunction } from '../checksum/row-expr.js';
import { prepassSupport } from '../checksum/trust.js';
import { AdaptiveSizer, type Chunk, walkChunks } from '../chunk/boundaries.js';
import type { TablePair } from '../introspect/compare.js';
import { joinKeyedChunk, MultisetCounter } from './chunk-join.js';
import { InOrder } from './in-order.js';
import type { Progress } from './progress.js';
import type { ResumePoint } from './resume-point.js';
import type { DiffSources } from './sources.js';
import type { TableReader } from './table-reader.js';
import type { ChunkPart } from './table-tally.js';

export type DiffMethod = 'auto' | 'client' | 'checksum';

export interface TableRunStats {
  chunks: number;
  chunksSkipped: number;
  method: 'client' | 'checksum';
  methodNote: string | null;
  seconds: number;
  /** where the pre-pass's work went (null for client hashing) */
  prepass: ResolveCounters | null;
}

/**
 * Receives one table's chunk results in chunk order, each with where the table would go on
 * from once it is taken (null after the table's last chunk): what a checkpoint records.
 */
export type PartSink = (
  pair: TablePair,
  part: ChunkPart,
  next: ResumePoint | null,
) => Promise<void>;

/** A chunk's result and where the table goes on from after it. */
interface Delivery {
  readonly part: ChunkPart;
  readonly next: ResumePoint | null;
}

/** One unit of parallel work: a key range of a keyed table, or a hash partition of a keyless one. */
export type Task =
  | { readonly job: TableJob; readonly kind: 'range'; readonly chunk: Chunk }
  | {
      readonly job: TableJob;
      readonly kind: 'partition';
      readonly p: number;
      readonly parts: number;
    };

/** What every table's job shares. */
export interface JobSettings {
  readonly concurrency: number;
  readonly method: DiffMethod;
  readonly logger: Logger;
  readonly progress: Progress;
  readonly chunkRows: number | undefined;
  /** rows per partition of a table without a key (the multiset is held in memory) */
  readonly partitionRows: number;
  readonly tuning: ResolveTuning;
  readonly checksumTargetMs: number;
  /** the server-side row hash both sides agree on, or null (client hashing only) */
  readonly rowHash: RowHashFunction | null;
}

/**
 * Bytes of row data a client-side chunk aims at, per side. A row held in the client costs
 * several times its bytes (a Buffer per column, then its encoding): 4 MB chunks took a
 * 500k-row diff to ~500 MB of RSS, 1 MB to ~250 MB, at the same speed.
 */
const CHUNK_BYTES = 1 << 20;

/**
 * One table's comparison: its chunks (or partitions), each compared by the server-side
 * pre-pass when it can be trusted with the table, else by hashing both sides in the client;
 * results handed to the sink in chunk order. A chunk is done when its result reaches the sink,
 * which is told where the table would go on from (a checkpoint); started from such a point,
 * the job compares only what lies beyond it.
 */
export class TableJob {
  readonly readers: { backup: TableReader; interim: TableReader };
  readonly stats: TableRunStats;
  private readonly order: InOrder<Delivery>;
  private readonly sizer: AdaptiveSizer;
  private readonly prepass: PrepassTable | null;
  /** a keyless table's partition checksums, computed once by its first partition */
  private partitionSums: Promise<[Map<number, Checksum>, Map<number, Checksum>]> | null = null;
  private started = 0;

  constructor(
    src: DiffSources,
    readonly pair: TablePair,
    private readonly s: JobSettings,
    sink: PartSink,
    /** where an interrupted run left the table ('done': nothing left); null: from its start */
    private readonly start: ResumePoint | 'done' | null = null,
  ) {
    this.readers = src.readers(pair);
    const support = s.method === 'client' ? null : prepassSupport(pair, src.servers);
    this.prepass =
      s.rowHash && support?.ok
        ? new PrepassTable(this.readers, {
            rowHash: s.rowHash,
            tuning: s.tuning,
            concurrency: s.concurrency,
            chunkRows: s.chunkRows,
            targetMs: s.checksumTargetMs,
          })
        : null;
    this.stats = {
      chunks: 0,
      chunksSkipped: 0,
      method: this.prepass ? 'checksum' : 'client',
      methodNote:
        s.method === 'client'
          ? 'client hashing requested'
          : support && !support.ok
            ? support.reason
            : null,
      seconds: 0,
      prepass: this.prepass?.counters ?? null,
    };
    const avg = Math.max(pair.backup.avgRowLength, pair.interim.avgRowLength, 32);
    const initial = Math.min(50_000, Math.max(200, Math.floor(CHUNK_BYTES / avg)));
    this.sizer = s.chunkRows
      ? new AdaptiveSizer(s.chunkRows, s.chunkRows, s.chunkRows, 250)
      : new AdaptiveSizer(initial, 100, Math.max(initial, 20_000), 250);
    this.order = new InOrder((d) => sink(pair, d.part, d.next), 2 * s.concurrency);
  }

  private get estimate(): number {
    return Math.max(this.pair.backup.rowsEstimate, this.pair.interim.rowsEstimate);
  }

  /** The table's tasks, in order; starts its clock and its progress line. */
  async *tasks(): AsyncGenerator<Task> {
    this.started = performance.now();
    const start = this.start;
    if (start === 'done') return;
    this.s.progress.tableStarted(this.pair.name, this.estimate);
    if (this.pair.identity.kind === 'none') {
      // A resumed table keeps its partition count: it decides which rows each partition holds.
      const parts =
        start?.kind === 'partition'
          ? start.parts
          : Math.max(1, Math.ceil(this.estimate / this.s.partitionRows));
      const first = start?.kind === 'partition' ? start.next : 0;
      for (let p = first; p < parts; p++) yield { job: this, kind: 'partition', p, parts };
      return;
    }
    const after = start?.kind === 'range' ? start.after : null;
    const chunks = this.prepass
      ? this.prepass.chunks(after)
      : walkChunks([this.readers.backup, this.readers.interim], this.sizer, after);
    for await (const chunk of chunks) yield { job: this, kind: 'range', chunk };
  }

  async run(task: Task): Promise<void> {
    if (task.kind === 'range') await this.compareRange(task.chunk);
    else await this.comparePartition(task.p - this.firstPartition, task.p, task.parts);
    this.stats.seconds = (performance.now() - this.started) / 1000;
  }

  /** Workers held back by this table's window must not wait for a chunk that failed. */
  abort(error: unknown): void {
    this.order.abort(error);
  }

  /** Waits for every chunk's result to reach the sink. */
  async finish(): Promise<void> {
    await this.order.done();
    if (this.start === 'done') return;
    this.s.progress.tableDone(this.pair.name);
    if (this.prepass) this.logPrepass(this.prepass.counters);
  }

  private async compareRange(chunk: Chunk): Promise<void> {
    const t0 = performance.now();
    if (this.prepass) {
      const { part, rows, clean } = await this.prepass.resolve(chunk);
      this.done(rows, clean);
      await this.order.push(chunk.index, { part, next: afterChunk(chunk) });
      return;
    }
    const [b, i] = await Promise.all([
      this.readers.backup.readChunk(chunk),
      this.readers.interim.readChunk(chunk),
    ]);
    const rows = Math.max(b.length, i.length);
    this.sizer.observe(rows, performance.now() - t0);
    this.done(rows, false);
    this.s.logger.debug(
      {
        event: 'chunk.hashed',
        table: this.pair.name,
        chunk: chunk.index,
        rows,
        ms: Math.round(performance.now() - t0),
      },
      'chunk hashed',
    );
    await this.order.push(chunk.index, {
      part: { kind: 'keyed', diff: joinKeyedChunk(b, i) },
      next: afterChunk(chunk),
    });
  }

  /** The first partition this run compares: results are numbered from it. */
  private get firstPartition(): number {
    return this.start !== 'done' && this.start?.kind === 'partition' ? this.start.next : 0;
  }

  /** Partition `p` of `parts`, the `index`-th this run compares. */
  private async comparePartition(index: number, p: number, parts: number): Promise<void> {
    const next: ResumePoint | null =
      p + 1 < parts ? { kind: 'partition', parts, next: p + 1 } : null;
    if (this.prepass) {
      this.partitionSums ??= this.prepass.partitionChecksums(parts);
      const [sb, si] = await this.partitionSums;
      const b = sb.get(p) ?? { count: 0, sum: '0' };
      const i = si.get(p) ?? { count: 0, sum: '0' };
      if (b.count === i.count && b.sum === i.sum) {
        this.done(b.count, true);
        await this.order.push(index, { part: { kind: 'identical', rows: b.count }, next });
        return;
      }
    }
    const counter = new MultisetCounter();
    let rows = 0;
    await Promise.all([
      (async () => {
        for await (const r of this.readers.backup.streamPartition(p, parts)) {
          counter.addBackup(r);
          rows++;
        }
      })(),
      (async () => {
        for await (const r of this.readers.interim.streamPartition(p, parts)) counter.addInterim(r);
      })(),
    ]);
    this.done(rows, false);
    await this.order.push(index, { part: { kind: 'multiset', diff: counter.result() }, next });
  }

  private done(rows: number, skipped: boolean): void {
    this.stats.chunks++;
    if (skipped) this.stats.chunksSkipped++;
    this.s.progress.rowsDone(this.pair.name, rows);
  }

  private logPrepass(c: ResolveCounters): void {
    this.s.logger.debug(
      {
        event: 'table.prepass',
        table: this.pair.name,
        rowHash: this.s.rowHash,
        chunks: this.stats.chunks,
        chunksSkipped: this.stats.chunksSkipped,
        ...c,
        checksumMs: Math.round(c.checksumMs),
        listMs: Math.round(c.listMs),
        compareMs: Math.round(c.compareMs),
        fetchMs: Math.round(c.fetchMs),
        seconds: Math.round(this.stats.seconds * 1000) / 1000,
      },
      'table compared with the checksum pre-pass',
    );
  }
}

/** Where a keyed table goes on from once `chunk` is taken: its upper bound (none: the end). */
function afterChunk(chunk: Chunk): ResumePoint | null {
  return chunk.hi === null ? null : { kind: 'range', after: chunk.hi };
}
