import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { connect } from '../db/mysql.js';
import type { Connection } from '../db/types.js';
import type { DbTarget } from '../db/url.js';
import type { Progress } from '../diff/progress.js';
import type { StopToken } from '../stop.js';
import { alreadyApplied, checkDigests, reportBase } from './apply-steps.js';
import type { BatchLimits } from './batches.js';
import { type CopySource, copySources } from './copy-source.js';
import { dryRunApply } from './dry-run.js';
import {
  type AutoIncrementStep,
  type ExecuteInput,
  executePlan,
  type Lane,
  type TableTally,
} from './execute.js';
import {
  ensureJournal,
  type JournalState,
  type JournalStatus,
  journalStatus,
  readJournal,
} from './journal.js';
import { liveIsolation } from './live-run.js';
import { DEFAULT_LOCK_WAIT_SECONDS, releaseLock, takeOrCheckLock } from './lock.js';
import { openWriter, type PlanSession } from './plan-session.js';
import type { TableRun } from './plan-tables.js';
import { checkTriggers, checkUnresolved } from './plan-tables.js';
import { checkFreshIds } from './reserve-ids.js';
import type { ThrottleOptions } from './throttle.js';

export interface ApplyOptions {
  readonly execute: boolean;
  readonly allowTriggers: boolean;
  readonly limits: BatchLimits;
  /** the backup, to copy restored rows from when it shares the target's server */
  readonly backup: DbTarget;
  readonly progress?: Progress;
  /** how long to wait for the lock another run holds (--lock-wait) */
  readonly lockWaitSeconds?: number;
  /** a person's SIGINT/SIGTERM: stop between batches (see stop.ts) */
  readonly stop?: StopToken;
  /**
   * `--live`: instead of the whole target's digests, each batch checks the rows it touches and
   * defers what the application changed since the plan; throttled (null or absent: strict)
   */
  readonly live?: ThrottleOptions | null;
  /**
   * the plan folder as the user named it: a failed batch's line then says how many batches of
   * the plan stay applied, and how to resume or roll back (the real apply; not a rehearsal)
   */
  readonly planDir?: string;
  /** tables a strict run writes at once (DEFAULT_PARALLEL when absent; a live run: one) */
  readonly parallel?: number;
}

export type ApplyOutcome =
  | 'applied'
  | 'resumed'
  | 'already-applied'
  | 'would-apply'
  | 'would-resume';

export interface ApplyReport {
  readonly planId: string;
  readonly target: string;
  readonly mode: 'dry-run' | 'execute';
  /** `--live`: rows checked one by one instead of the whole target's digests */
  readonly live: boolean;
  readonly outcome: ApplyOutcome;
  /** the journal's state for this plan when the run began */
  readonly journal: JournalStatus;
  readonly order: readonly string[];
  readonly tables: readonly TableTally[];
  readonly batches: number;
  readonly rows: number;
  readonly autoIncrement: readonly AutoIncrementStep[];
  /** triggers accepted with --allow-triggers */
  readonly triggers: readonly string[];
  readonly batchRows: number;
  /**
   * live runs: actions this plan's runs deferred so far (rows the application changed since
   * the plan; listed in the plan folder's conflicts.jsonl); 0 for a strict run
   */
  readonly deferred: number;
  readonly seconds: {
    readonly check: number;
    readonly write: number;
    readonly total: number;
    /** live runs: time spent paused (over --max-load, or the pause file) */
    readonly paused: number;
  };
  /**
   * A dry run: what the real run (--execute) would refuse, each with its reason (empty: it
   * would run). Always empty with --execute, which refuses instead.
   */
  readonly wouldRefuse: readonly { readonly reason: string; readonly message: string }[];
}

/**
 * `reconcile apply`: checks, then (with `execute`) writes the plan into `ps.schema`.
 * Refuses (PreconditionError, exit 3) an unresolved plan, triggers not accepted, a lock held by
 * another run, and a target whose digests are not the plan's *before* digests, or, when this
 * plan's journal shows a partial apply, not the digests that partial apply must have left.
 */
export async function applyPlan(ps: PlanSession, opts: ApplyOptions): Promise<ApplyReport> {
  if (!opts.execute) return dryRunApply(ps, opts);
  const t0 = performance.now();
  const { manifest, conn, runs } = ps;
  checkUnresolved(manifest, ps.schema);
  const triggers = checkTriggers(manifest, runs, opts.allowTriggers);
  await takeOrCheckLock(conn, ps.schema, ps.where, true, {
    seconds: opts.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
    logger: ps.logger,
  });
  let backup: Connection | null = null;
  try {
    const journal = await readJournal(conn, ps.schema, manifest.planId);
    const status = journalStatus(journal);
    const base = reportBase(ps, opts, status, triggers);
    if (status === 'complete') return alreadyApplied(base, t0);
    // Strict: the whole target must be where the plan (and its journal) says. Live: each
    // batch checks the rows it touches instead.
    if (!opts.live) await checkDigests(ps, journal);
    // Before anything is written: a target grown into the plan's fresh ids is refused as it is.
    if (status === 'none') await checkFreshIds(conn, ps.schema, ps.where, manifest, runs);
    const copy = await copySources(conn, ps.server, opts.backup, runs, Boolean(opts.live));
    backup = await openStreamSource(copy, runs, opts.backup, ps.logger);
    const tCheck = (performance.now() - t0) / 1000;
    await ensureJournal(conn, ps.schema);
    if (opts.live) await liveIsolation(conn, ps.logger);
    ps.logger.info(
      { event: 'apply.start', planId: manifest.planId, target: ps.where, journal: status },
      status === 'none' ? 'applying the plan' : 'resuming the plan from its journal',
    );
    const tWrite = performance.now();
    const done = await executePlan({
      ...executeInput(ps, opts, journal, copy, backup),
      lanes: {
        count: (opts.parallel ?? DEFAULT_PARALLEL) - 1,
        open: () => openLane(ps, copy, opts.backup),
      },
    });
    const write = (performance.now() - tWrite) / 1000;
    ps.logger.info(
      {
        event: 'apply.done',
        planId: manifest.planId,
        batches: done.batches,
        seconds: write,
        ...(opts.live ? { deferred: done.deferred, pausedSeconds: done.pausedSeconds } : {}),
      },
      'plan applied',
    );
    return {
      ...base,
      outcome: status === 'none' ? 'applied' : 'resumed',
      tables: done.tables,
      batches: done.batches,
      rows: done.tables.reduce((n, t) => n + t.copied + t.inserted + t.updated + t.deleted, 0),
      autoIncrement: done.autoIncrement,
      deferred: done.deferred,
      seconds: {
        check: tCheck,
        write,
        total: (performance.now() - t0) / 1000,
        paused: done.pausedSeconds,
      },
    };
  } finally {
    await backup?.close();
    await releaseLock(conn, ps.schema).catch(() => undefined);
  }
}

/** What the writer is given: the plan, the target, the journal so far, where rows come from. */
function executeInput(
  ps: PlanSession,
  opts: ApplyOptions,
  journal: JournalState,
  copy: ReadonlyMap<string, CopySource>,
  backup: Connection | null,
): ExecuteInput {
  return {
    dir: ps.dir,
    planId: ps.manifest.planId,
    manifest: ps.manifest,
    where: ps.where,
    conn: ps.conn,
    schema: ps.schema,
    runs: ps.runs,
    journal,
    copy,
    backup: backup && { session: backup, schema: opts.backup.schema },
    limits: opts.limits,
    logger: ps.logger,
    ...(opts.progress ? { progress: opts.progress } : {}),
    ...(opts.stop ? { stop: opts.stop } : {}),
    live: opts.live ?? null,
    ...(opts.planDir === undefined ? {} : { planDir: opts.planDir }),
    meta: {
      target: ps.where,
      host: hostname(),
      pid: process.pid,
      started: new Date().toISOString(),
    },
  };
}

/** Tables a strict apply writes at once unless told (`--parallel`). */
export const DEFAULT_PARALLEL = 2;

/** One more writer: the target set up as the plan session is, and the backup when rows stream. */
async function openLane(
  ps: PlanSession,
  copy: ReadonlyMap<string, CopySource>,
  backupAt: DbTarget,
): Promise<Lane> {
  const conn = await openWriter(ps.server, ps.schema, ps.logger);
  try {
    const backup = await openStreamSource(copy, ps.runs, backupAt, ps.logger);
    return {
      conn,
      backup,
      close: async () => {
        await conn.close();
        await backup?.close();
      },
    };
  } catch (e) {
    await conn.close();
    throw e;
  }
}

/**
 * A connection to the backup's server, when some table's restored rows cannot be copied where
 * they are (the backup is on another server): `copy` actions stream them through it.
 */
async function openStreamSource(
  copy: ReadonlyMap<string, CopySource>,
  runs: readonly TableRun[],
  backup: DbTarget,
  logger: Logger,
): Promise<Connection | null> {
  const needed = runs.some((r) => r.plan.actions.insert > 0 && !copy.get(r.plan.table)?.from);
  return needed ? connect(backup, { logger }) : null;
}
