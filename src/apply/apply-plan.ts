import { hostname } from 'node:os';
import type { DbTarget } from '../db/url.js';
import type { Progress } from '../diff/progress.js';
import { PreconditionError } from '../errors.js';
import { digestEquals } from '../hash/digest.js';
import { readActions } from '../plan/plan-files.js';
import type { StopToken } from '../stop.js';
import { type BatchLimits, tableBatches } from './batches.js';
import { copySources } from './copy-source.js';
import { describeMismatches, digestMismatches, digestsAt, readDigests } from './digests.js';
import { type AutoIncrementStep, executePlan, newTally, type TableTally } from './execute.js';
import {
  appliedEnds,
  ensureJournal,
  type JournalState,
  type JournalStatus,
  journalStatus,
  readJournal,
  unfinishedPlans,
} from './journal.js';
import { DEFAULT_LOCK_WAIT_SECONDS, releaseLock, takeOrCheckLock } from './lock.js';
import type { PlanSession } from './plan-session.js';
import { checkTriggers, checkUnresolved } from './plan-tables.js';

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
  readonly seconds: { readonly check: number; readonly write: number; readonly total: number };
}

/**
 * `reconcile apply`: checks, then (with `execute`) writes the plan into `ps.schema`.
 * Refuses (PreconditionError, exit 3) an unresolved plan, triggers not accepted, a lock held by
 * another run, and a target whose digests are not the plan's *before* digests, or, when this
 * plan's journal shows a partial apply, not the digests that partial apply must have left.
 */
export async function applyPlan(ps: PlanSession, opts: ApplyOptions): Promise<ApplyReport> {
  const t0 = performance.now();
  const { manifest, conn, runs } = ps;
  checkUnresolved(manifest);
  const triggers = checkTriggers(manifest, runs, opts.allowTriggers);
  await takeOrCheckLock(conn, ps.schema, ps.where, opts.execute, {
    seconds: opts.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
    logger: ps.logger,
  });
  try {
    const journal = await readJournal(conn, ps.schema, manifest.planId);
    const status = journalStatus(journal);
    const base = {
      planId: manifest.planId,
      target: ps.where,
      mode: opts.execute ? ('execute' as const) : ('dry-run' as const),
      journal: status,
      order: runs.map((r) => r.plan.table),
      triggers,
      batchRows: opts.limits.rows,
    };
    if (status === 'complete') {
      const secs = (performance.now() - t0) / 1000;
      return {
        ...base,
        outcome: 'already-applied',
        tables: [],
        batches: 0,
        rows: 0,
        autoIncrement: [],
        seconds: { check: secs, write: 0, total: secs },
      };
    }
    await checkDigests(ps, journal);
    const copy = await copySources(conn, ps.server, opts.backup, runs);
    const tCheck = (performance.now() - t0) / 1000;

    if (!opts.execute) {
      const tables = await listBatches(ps, journal, copy, opts.limits);
      return {
        ...base,
        outcome: status === 'none' ? 'would-apply' : 'would-resume',
        tables,
        batches: tables.reduce((n, t) => n + t.batches, 0),
        rows: tables.reduce((n, t) => n + t.copied + t.inserted + t.updated + t.deleted, 0),
        autoIncrement: runs
          .filter((r) => r.plan.autoIncrement !== null)
          .map((r) => ({
            table: r.plan.table,
            column: r.plan.autoIncrement?.column ?? '',
            before: null,
            next: r.plan.autoIncrement?.next ?? '',
            raised: false,
          })),
        seconds: { check: tCheck, write: 0, total: tCheck },
      };
    }

    await ensureJournal(conn, ps.schema);
    ps.logger.info(
      { event: 'apply.start', planId: manifest.planId, target: ps.where, journal: status },
      status === 'none' ? 'applying the plan' : 'resuming the plan from its journal',
    );
    const tWrite = performance.now();
    const done = await executePlan({
      dir: ps.dir,
      planId: manifest.planId,
      conn,
      schema: ps.schema,
      runs,
      journal,
      copy,
      limits: opts.limits,
      logger: ps.logger,
      ...(opts.progress ? { progress: opts.progress } : {}),
      ...(opts.stop ? { stop: opts.stop } : {}),
      meta: {
        target: ps.where,
        host: hostname(),
        pid: process.pid,
        started: new Date().toISOString(),
      },
    });
    const write = (performance.now() - tWrite) / 1000;
    ps.logger.info(
      { event: 'apply.done', planId: manifest.planId, batches: done.batches, seconds: write },
      'plan applied',
    );
    return {
      ...base,
      outcome: status === 'none' ? 'applied' : 'resumed',
      tables: done.tables,
      batches: done.batches,
      rows: done.tables.reduce((n, t) => n + t.copied + t.inserted + t.updated + t.deleted, 0),
      autoIncrement: done.autoIncrement,
      seconds: { check: tCheck, write, total: (performance.now() - t0) / 1000 },
    };
  } finally {
    if (opts.execute) await releaseLock(conn, ps.schema).catch(() => undefined);
  }
}

/**
 * The stale check: the target must be exactly where the plan (and this plan's journal, if a
 * run was interrupted) says it is.
 */
async function checkDigests(ps: PlanSession, journal: JournalState): Promise<void> {
  const applied = appliedEnds(journal);
  const expected = await digestsAt(ps.dir, ps.runs, applied);
  const actual = await readDigests(ps.server, ps.schema, ps.runs, ps.logger);
  const bad = digestMismatches(expected, actual);
  if (bad.length === 0) return;
  const what = describeMismatches(bad);
  if (journal.batches.length > 0) {
    throw new PreconditionError(
      'journal-mismatch',
      `${ps.where} is not in the state this plan's journal records (${journal.batches.length} batches applied): ${what}; it changed since; roll back or make the plan again`,
    );
  }
  const asAfter = ps.runs.every((r) => {
    const a = actual.get(r.plan.table);
    return a !== undefined && digestEquals(a, r.plan.digestAfter);
  });
  if (asAfter) {
    throw new PreconditionError(
      'already-merged',
      `${ps.where} already holds what the plan would make (its after digests) but has no journal of it: nothing to apply`,
    );
  }
  const others = await unfinishedPlans(ps.conn, ps.schema, ps.manifest.planId);
  const hint =
    others.length > 0
      ? ` (the journal shows plan ${others.map((p) => p.slice(0, 12)).join(', ')} partly applied here: finish or roll it back first)`
      : '; make the plan again';
  throw new PreconditionError(
    'stale-plan',
    `${ps.where} changed since the plan was made: ${what}${hint}`,
  );
}

/** What --execute would run: batches per table, from where a resumed run would start. */
async function listBatches(
  ps: PlanSession,
  journal: JournalState,
  copy: Awaited<ReturnType<typeof copySources>>,
  limits: BatchLimits,
): Promise<TableTally[]> {
  const applied = appliedEnds(journal);
  const out: TableTally[] = [];
  for (const r of ps.runs) {
    const from = applied.get(r.plan.table) ?? 0;
    const source = copy.get(r.plan.table);
    const tally = newTally(r.plan.table, from, source?.note ?? null);
    for (const phase of ['delete', 'write'] as const) {
      for await (const b of tableBatches(
        readActions(ps.dir, r.plan.file),
        r.plan.table,
        phase,
        from,
        limits,
        Boolean(source?.from),
      )) {
        tally.batches++;
        for (const a of b.actions) {
          if (a.op === 'insert') {
            const copied = a.copyOf === 'backup' && source?.from;
            if (copied) tally.copied++;
            else tally.inserted++;
          } else if (a.op === 'update') tally.updated++;
          else if (a.op === 'delete') tally.deleted++;
        }
      }
    }
    out.push(tally);
  }
  return out;
}
