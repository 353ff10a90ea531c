import type { Logger } from 'pino';
import { chooseRowHash } from '../checksum/probe.js';
import { DEFAULT_TUNING, type ResolveTuning } from '../checksum/resolve.js';
import type { TablePair } from '../introspect/compare.js';
import { noProgress, type Progress } from './progress.js';
import type { ResumePoint } from './resume-point.js';
import type { DiffSources } from './sources.js';
import {
  type DiffMethod,
  type PartSink,
  TableJob,
  type TableRunStats,
  type Task,
} from './table-job.js';
import { runWorkers } from './work-queue.js';

export { DiffSources } from './sources.js';
export type { DiffMethod, PartSink, TableRunStats } from './table-job.js';

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
  /**
   * per table, where an interrupted run left it (a checkpoint), or 'done' (nothing to compare;
   * its stats say how it would be compared); others start from the start
   */
  readonly resume?: ReadonlyMap<string, ResumePoint | 'done'>;
}

/**
 * Compares the given table pairs chunk by chunk, in parallel, and hands every chunk's result to
 * `sink` in chunk order per table, with where the table would go on from after each (what a
 * checkpoint records; `opts.resume` starts tables from there). Memory is bounded by chunk
 * size × concurrency.
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
  const rowHash =
    opts.method === 'client' ? null : await chooseRowHash([src.backupPool, src.interimPool]);
  const settings = {
    concurrency: opts.concurrency,
    method: opts.method,
    logger: opts.logger,
    progress: opts.progress ?? noProgress,
    chunkRows: opts.chunkRows,
    partitionRows: opts.partitionRows ?? 250_000,
    tuning: { ...DEFAULT_TUNING, ...opts.tuning },
    checksumTargetMs: opts.checksumTargetMs ?? 250,
    rowHash,
  };
  const jobs = pairs.map(
    (pair) => new TableJob(src, pair, settings, sink, opts.resume?.get(pair.name) ?? null),
  );
  async function* tasks(): AsyncGenerator<Task> {
    for (const job of jobs) yield* job.tasks();
  }
  await runWorkers(
    tasks(),
    opts.concurrency,
    (task) => task.job.run(task),
    (error) => {
      for (const job of jobs) job.abort(error);
    },
  );
  for (const job of jobs) await job.finish();
  return new Map(jobs.map((j) => [j.pair.name, j.stats]));
}
