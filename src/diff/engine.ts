import type { Logger } from 'pino';
import { PrepassTable } from '../checksum/prepass-table.js';
import { chooseRowHash } from '../checksum/probe.js';
import {
  type Checksum,
  DEFAULT_TUNING,
  type ResolveCounters,
  type ResolveTuning,
} from '../checksum/resolve.js';
import { prepassSupport } from '../checksum/trust.js';
import { AdaptiveSizer, type Chunk, walkChunks } from '../chunk/boundaries.js';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import type { ServerInfo } from '../db/types.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { type Hash64, loadHash64 } from '../hash/xxhash.js';
import { compareSchemas, type SchemaComparison, type TablePair } from '../introspect/compare.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { SchemaInfo } from '../introspect/types.js';
import { joinKeyedChunk, MultisetCounter } from './chunk-join.js';
import { InOrder } from './in-order.js';
import { noProgress, type Progress } from './progress.js';
import { TableReader } from './table-reader.js';
import type { ChunkPart } from './table-tally.js';
import { runWorkers } from './work-queue.js';

export type DiffMethod = 'auto' | 'client' | 'checksum';

export interface EngineOptions {
  /** chunks compared at once (each holds one connection per side) */
  readonly concurrency: number;
  readonly method: DiffMethod;
  readonly logger: Logger;
  readonly progress?: Progress;
  /** a fixed number of rows per chunk instead of the adaptive size (tests, tuning) */
  readonly chunkRows?: number;
  /** rows per partition of a table without a key (the multiset is held in memory) */
  readonly partitionRows?: number;
  /** thresholds of the pre-pass's bisection and listing (tests, tuning) */
  readonly tuning?: Partial<ResolveTuning>;
  /** time a pre-pass chunk's server-side step aims at (default 250 ms) */
  readonly checksumTargetMs?: number;
}

/** Both sides opened: snapshot pools, schemas, and how their tables pair up. */
export class DiffSources {
  private constructor(
    readonly backup: DbTarget,
    readonly interim: DbTarget,
    readonly backupPool: SessionPool,
    readonly interimPool: SessionPool,
    readonly backupSchema: SchemaInfo,
    readonly interimSchema: SchemaInfo,
    readonly comparison: SchemaComparison,
    readonly hash64: Hash64,
  ) {}

  /**
   * Opens `poolSize` snapshot connections per side and reads both schemas. Both sides are read
   * inside `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`.
   */
  static async open(
    backup: DbTarget,
    interim: DbTarget,
    poolSize: number,
    logger: Logger,
  ): Promise<DiffSources> {
    const open = (t: DbTarget): Promise<SessionPool> =>
      SessionPool.open(poolSize, () => connect(t, { logger }), { snapshot: true });
    const [bp, ip] = await Promise.allSettled([open(backup), open(interim)]);
    if (bp.status === 'rejected' || ip.status === 'rejected') {
      if (bp.status === 'fulfilled') await bp.value.close();
      if (ip.status === 'fulfilled') await ip.value.close();
      throw bp.status === 'rejected' ? bp.reason : (ip as PromiseRejectedResult).reason;
    }
    try {
      const [bs, is] = await Promise.all([
        introspectSchema(bp.value.primary, backup.schema),
        introspectSchema(ip.value.primary, interim.schema),
      ]);
      logger.info(
        {
          event: 'sources.opened',
          backup: describeTarget(backup),
          interim: describeTarget(interim),
          backupTables: bs.tables.size,
          interimTables: is.tables.size,
        },
        'sources opened',
      );
      return new DiffSources(
        backup,
        interim,
        bp.value,
        ip.value,
        bs,
        is,
        compareSchemas(bs, is),
        await loadHash64(),
      );
    } catch (e) {
      await Promise.allSettled([bp.value.close(), ip.value.close()]);
      throw e;
    }
  }

  get servers(): { backup: ServerInfo; interim: ServerInfo } {
    return { backup: this.backupPool.primary.server, interim: this.interimPool.primary.server };
  }

  readers(pair: TablePair): { backup: TableReader; interim: TableReader } {
    return {
      backup: new TableReader(pair, 'backup', this.backup.schema, this.backupPool, this.hash64),
      interim: new TableReader(pair, 'interim', this.interim.schema, this.interimPool, this.hash64),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.backupPool.close(), this.interimPool.close()]);
  }
}

export interface TableRunStats {
  chunks: number;
  chunksSkipped: number;
  method: 'client' | 'checksum';
  methodNote: string | null;
  seconds: number;
  /** where the pre-pass's work went (null for client hashing) */
  prepass: ResolveCounters | null;
}

/** Receives one table's chunk results in chunk order. */
export type PartSink = (pair: TablePair, part: ChunkPart) => Promise<void>;

interface Job {
  readonly pair: TablePair;
  readonly readers: { backup: TableReader; interim: TableReader };
  readonly order: InOrder<ChunkPart>;
  readonly sizer: AdaptiveSizer;
  readonly stats: TableRunStats;
  /** the server-side pre-pass, when it applies to this table */
  readonly prepass: PrepassTable | null;
  /** a keyless table's partition checksums, computed once by its first partition */
  partitionSums: Promise<[Map<number, Checksum>, Map<number, Checksum>]> | null;
  started: number;
}

type Task =
  | { readonly job: Job; readonly kind: 'range'; readonly chunk: Chunk }
  | { readonly job: Job; readonly kind: 'partition'; readonly p: number; readonly parts: number };

/**
 * Bytes of row data a client-side chunk aims at, per side. A row held in the client costs
 * several times its bytes (a Buffer per column, then its encoding): 4 MB chunks took a
 * 500k-row diff to ~500 MB of RSS, 1 MB to ~250 MB, at the same speed.
 */
const CHUNK_BYTES = 1 << 20;

/**
 * Compares the given table pairs chunk by chunk, in parallel, and hands every chunk's result to
 * `sink` in chunk order per table. Memory is bounded by chunk size × concurrency.
 *
 * With method 'auto' or 'checksum', tables the pre-pass can be trusted with (checksum/trust.ts)
 * are first compared by server-side checksums per chunk, and only differing chunks' suspect rows
 * are read; the others are hashed in the client. Either way, every row reported comes from the
 * client's canonical hash, so both methods give the same result.
 */
export async function comparePairs(
  src: DiffSources,
  pairs: readonly TablePair[],
  opts: EngineOptions,
  sink: PartSink,
): Promise<Map<string, TableRunStats>> {
  const progress = opts.progress ?? noProgress;
  const stats = new Map<string, TableRunStats>();
  const rowHash =
    opts.method === 'client' ? null : await chooseRowHash([src.backupPool, src.interimPool]);
  const tuning: ResolveTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const jobs: Job[] = pairs.map((pair) => {
    const readers = src.readers(pair);
    const support = opts.method === 'client' ? null : prepassSupport(pair, src.servers);
    const prepass =
      rowHash && support?.ok
        ? new PrepassTable(readers, {
            rowHash,
            tuning,
            concurrency: opts.concurrency,
            chunkRows: opts.chunkRows,
            targetMs: opts.checksumTargetMs ?? 250,
          })
        : null;
    const s: TableRunStats = {
      chunks: 0,
      chunksSkipped: 0,
      method: prepass ? 'checksum' : 'client',
      methodNote:
        opts.method === 'client'
          ? 'client hashing requested'
          : support && !support.ok
            ? support.reason
            : null,
      seconds: 0,
      prepass: prepass?.counters ?? null,
    };
    stats.set(pair.name, s);
    const avg = Math.max(pair.backup.avgRowLength, pair.interim.avgRowLength, 32);
    const initial = Math.min(50_000, Math.max(200, Math.floor(CHUNK_BYTES / avg)));
    return {
      pair,
      readers,
      order: new InOrder((part) => sink(pair, part), 2 * opts.concurrency),
      sizer: opts.chunkRows
        ? new AdaptiveSizer(opts.chunkRows, opts.chunkRows, opts.chunkRows, 250)
        : new AdaptiveSizer(initial, 100, Math.max(initial, 20_000), 250),
      stats: s,
      prepass,
      partitionSums: null,
      started: 0,
    };
  });

  const partitionRows = opts.partitionRows ?? 250_000;
  async function* tasks(): AsyncGenerator<Task> {
    for (const job of jobs) {
      job.started = performance.now();
      const { pair } = job;
      progress.tableStarted(
        pair.name,
        Math.max(pair.backup.rowsEstimate, pair.interim.rowsEstimate),
      );
      if (pair.identity.kind === 'none') {
        const estimate = Math.max(pair.backup.rowsEstimate, pair.interim.rowsEstimate);
        const parts = Math.max(1, Math.ceil(estimate / partitionRows));
        for (let p = 0; p < parts; p++) yield { job, kind: 'partition', p, parts };
      } else {
        const chunks = job.prepass
          ? job.prepass.chunks()
          : walkChunks([job.readers.backup, job.readers.interim], job.sizer);
        for await (const chunk of chunks) yield { job, kind: 'range', chunk };
      }
    }
  }

  const handleTask = async (task: Task): Promise<void> => {
    const { job } = task;
    if (task.kind === 'range') await compareRange(job, task.chunk);
    else await comparePartition(job, task.p, task.parts);
    job.stats.seconds = (performance.now() - job.started) / 1000;
  };
  await runWorkers(tasks(), opts.concurrency, handleTask, (error) => {
    // Workers held back by a table's InOrder window must not wait for a chunk that failed.
    for (const job of jobs) job.order.abort(error);
  });

  async function compareRange(job: Job, chunk: Chunk): Promise<void> {
    const t0 = performance.now();
    if (job.prepass) {
      const { part, rows, clean } = await job.prepass.resolve(chunk);
      job.stats.chunks++;
      if (clean) job.stats.chunksSkipped++;
      progress.rowsDone(job.pair.name, rows);
      await job.order.push(chunk.index, part);
      return;
    }
    const [b, i] = await Promise.all([
      job.readers.backup.readChunk(chunk),
      job.readers.interim.readChunk(chunk),
    ]);
    const rows = Math.max(b.length, i.length);
    job.sizer.observe(rows, performance.now() - t0);
    job.stats.chunks++;
    progress.rowsDone(job.pair.name, rows);
    opts.logger.debug(
      {
        event: 'chunk.hashed',
        table: job.pair.name,
        chunk: chunk.index,
        rows,
        ms: Math.round(performance.now() - t0),
      },
      'chunk hashed',
    );
    await job.order.push(chunk.index, { kind: 'keyed', diff: joinKeyedChunk(b, i) });
  }

  async function comparePartition(job: Job, p: number, parts: number): Promise<void> {
    if (job.prepass) {
      job.partitionSums ??= job.prepass.partitionChecksums(parts);
      const [sb, si] = await job.partitionSums;
      const b = sb.get(p) ?? { count: 0, sum: '0' };
      const i = si.get(p) ?? { count: 0, sum: '0' };
      if (b.count === i.count && b.sum === i.sum) {
        job.stats.chunks++;
        job.stats.chunksSkipped++;
        progress.rowsDone(job.pair.name, b.count);
        await job.order.push(p, { kind: 'identical', rows: b.count });
        return;
      }
    }
    const counter = new MultisetCounter();
    let rows = 0;
    await Promise.all([
      (async () => {
        for await (const r of job.readers.backup.streamPartition(p, parts)) {
          counter.addBackup(r);
          rows++;
        }
      })(),
      (async () => {
        for await (const r of job.readers.interim.streamPartition(p, parts)) {
          counter.addInterim(r);
        }
      })(),
    ]);
    job.stats.chunks++;
    progress.rowsDone(job.pair.name, rows);
    await job.order.push(p, { kind: 'multiset', diff: counter.result() });
  }

  for (const job of jobs) {
    await job.order.done();
    progress.tableDone(job.pair.name);
    if (job.prepass) {
      const c = job.prepass.counters;
      opts.logger.debug(
        {
          event: 'table.prepass',
          table: job.pair.name,
          rowHash,
          chunks: job.stats.chunks,
          chunksSkipped: job.stats.chunksSkipped,
          ...c,
          checksumMs: Math.round(c.checksumMs),
          listMs: Math.round(c.listMs),
          compareMs: Math.round(c.compareMs),
          fetchMs: Math.round(c.fetchMs),
          seconds: Math.round(job.stats.seconds * 1000) / 1000,
        },
        'table compared with the checksum pre-pass',
      );
    }
  }
  return stats;
}
