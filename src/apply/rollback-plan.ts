import { connect } from '../db/mysql.js';
import { type DbTarget, sameAddress } from '../db/url.js';
import { InterruptedError, PreconditionError } from '../errors.js';
import { FaultError } from '../faults.js';
import { DigestRowHasher } from '../hash/digest.js';
import { loadHash64 } from '../hash/xxhash.js';
import { mustGet } from '../must.js';
import type { StopToken } from '../stop.js';
import {
  type DigestMismatch,
  describeMismatches,
  digestMismatches,
  firstMismatchTable,
  journalDrift,
  readDigests,
} from './digests.js';
import {
  deleteJournalKind,
  dropJournalIfEmpty,
  type JournalBatch,
  type JournalState,
  type JournalStatus,
  journalStatus,
  readJournal,
  stoppedInPieces,
  unfinishedPieces,
} from './journal.js';
import { DEFAULT_LOCK_WAIT_SECONDS, releaseLock, takeOrCheckLock } from './lock.js';
import type { PlanSession } from './plan-session.js';
import {
  type CounterBefore,
  type CounterCheck,
  checkCounters,
  countersBefore,
  restoreCounters,
} from './rollback-counters.js';
import { type KeptRow, undoBatchLive, writeKept } from './rollback-live.js';
import { undoBatch } from './run-undo.js';
import { pausePoint } from './test-pause.js';
import { KEYLESS_UNDO_ROWS, undoKeylessRun } from './undo-keyless-run.js';

export type { CounterCheck } from './rollback-counters.js';

export interface RollbackTable {
  readonly table: string;
  batches: number;
  rows: number;
}

export interface RollbackReport {
  readonly planId: string;
  readonly target: string;
  readonly mode: 'dry-run' | 'execute';
  /** `--live`: undone row by row; rows changed since the apply kept (`kept`) */
  readonly live: boolean;
  readonly outcome: 'rolled-back' | 'would-roll-back' | 'nothing-to-undo';
  /** the journal's state for this plan when the run began */
  readonly journal: JournalStatus;
  readonly tables: readonly RollbackTable[];
  readonly batches: number;
  readonly rows: number;
  readonly autoIncrement: readonly { table: string; restoredTo: string | null }[];
  /**
   * the target's digests equal the plan's *before* digests, and its AUTO_INCREMENT counters
   * their values before the apply (after the rollback, when executed)
   */
  readonly beforeOk: boolean;
  readonly mismatches: readonly DigestMismatch[];
  /** the counters after the rollback against their values before the apply (executed only) */
  readonly counters: readonly CounterCheck[];
  /**
   * live: rows the apply wrote that the application changed since, left as they are (all of
   * them are in rollback-kept.jsonl in the plan folder; the first 1,000 here)
   */
  readonly kept: readonly KeptRow[];
  readonly keptCount: number;
  readonly seconds: number;
}

export interface RollbackOptions {
  readonly execute: boolean;
  /** how long to wait for the lock another run holds (--lock-wait) */
  readonly lockWaitSeconds?: number;
  /** a person's SIGINT/SIGTERM: stop between batches (see stop.ts) */
  readonly stop?: StopToken;
  /**
   * `--live`: the target kept serving since the apply: undo row by row what nobody changed
   * since, keep (and list) the rest. `backup`: where rows restored from it are read back.
   */
  readonly live?: { readonly backup: DbTarget } | null;
}

/**
 * `reconcile rollback`: undoes this plan's journaled batches, newest first, then sets the
 * AUTO_INCREMENT counters back to their values before the apply, removes the plan's journal
 * rows (and the journal table once empty), and compares the target's digests with the plan's
 * *before* digests and its counters with their values before the apply.
 * Refuses (exit 3) when the target is not in the state the journal records: undoing then would
 * overwrite changes made since the apply.
 */
export async function rollbackPlan(
  ps: PlanSession,
  opts: RollbackOptions,
): Promise<RollbackReport> {
  const t0 = performance.now();
  const { manifest, conn } = ps;
  await takeOrCheckLock(conn, ps.schema, ps.where, opts.execute, {
    seconds: opts.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
    logger: ps.logger,
  });
  try {
    const journal = await readJournal(conn, ps.schema, manifest.planId);
    const status = journalStatus(journal);
    const base = rollbackBase(ps, opts, journal, status);
    const { drift } = await journalDrift(ps, journal);
    if (status !== 'none' && drift.length > 0 && !opts.live) {
      const pieces = unfinishedPieces(journal.batches);
      if (pieces.length > 0) throw stoppedInPieces(ps.where, pieces, 'rollback --execute --live');
      throw new PreconditionError(
        'journal-mismatch',
        `${ps.where} is not in the state this plan's journal records: ${describeMismatches(drift)}; it changed since the apply, and undoing now would overwrite those changes; rollback --execute --live undoes row by row what nobody changed since, and lists the rest`,
        { table: firstMismatchTable(ps.schema, drift) },
      );
    }
    const counters = countersBefore(journal);
    const autoIncrement = counters.map((c) => ({ table: c.table, restoredTo: c.value }));
    if (status === 'none' || !opts.execute) {
      const before = status === 'none' ? drift : [];
      return {
        ...base,
        outcome: status === 'none' ? 'nothing-to-undo' : 'would-roll-back',
        autoIncrement,
        beforeOk: status === 'none' ? before.length === 0 : false,
        mismatches: before,
        counters: [],
        seconds: (performance.now() - t0) / 1000,
      };
    }
    const kept = await undoJournal(ps, journal, counters, opts);
    const check = await checkBefore(ps, counters);
    ps.logger.info(
      { event: 'rollback.done', planId: manifest.planId, batches: base.batches, ok: check.ok },
      'plan rolled back',
    );
    return {
      ...base,
      kept: kept.slice(0, 1000),
      keptCount: kept.length,
      outcome: 'rolled-back',
      autoIncrement,
      beforeOk: check.ok,
      mismatches: check.mismatches,
      counters: check.counters,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    if (opts.execute) await releaseLock(conn, ps.schema).catch(() => undefined);
  }
}

/** What every rollback report names: the plan, the target, the mode, what the journal holds. */
function rollbackBase(
  ps: PlanSession,
  opts: RollbackOptions,
  journal: JournalState,
  status: JournalStatus,
): Pick<
  RollbackReport,
  | 'planId'
  | 'target'
  | 'mode'
  | 'live'
  | 'kept'
  | 'keptCount'
  | 'journal'
  | 'tables'
  | 'batches'
  | 'rows'
> {
  const tables = new Map<string, RollbackTable>();
  for (const b of journal.batches) {
    const t = tables.get(b.table) ?? { table: b.table, batches: 0, rows: 0 };
    t.batches++;
    t.rows += b.rows;
    tables.set(b.table, t);
  }
  return {
    planId: ps.manifest.planId,
    target: ps.where,
    mode: opts.execute ? 'execute' : 'dry-run',
    live: Boolean(opts.live),
    kept: [],
    keptCount: 0,
    journal: status,
    tables: [...tables.values()],
    batches: journal.batches.length,
    rows: journal.batches.reduce((n, b) => n + b.rows, 0),
  };
}

/**
 * The rollback's writes: the batches undone, the counters put back, the plan's journal rows
 * removed (and the journal table once empty). Returns the rows a live rollback kept.
 */
async function undoJournal(
  ps: PlanSession,
  journal: JournalState,
  counters: readonly CounterBefore[],
  opts: RollbackOptions,
): Promise<KeptRow[]> {
  const { conn, manifest } = ps;
  // First the marker: from here on the plan reads as partly applied, which it is.
  await deleteJournalKind(conn, ps.schema, manifest.planId, 'complete');
  let kept: KeptRow[] = [];
  if (opts.live) {
    kept = await undoAllLive(ps, journal.batches, opts.live.backup, opts.stop);
    await writeKept(ps.dir, kept);
  } else await undoAll(ps, journal.batches, opts.stop);
  await restoreCounters(conn, ps.schema, counters);
  await deleteJournalKind(conn, ps.schema, manifest.planId, 'autoinc');
  await deleteJournalKind(conn, ps.schema, manifest.planId, 'start');
  await dropJournalIfEmpty(conn, ps.schema);
  return kept;
}

/** After the undo: the target's digests against the plan's before digests, and its counters. */
async function checkBefore(
  ps: PlanSession,
  counters: readonly CounterBefore[],
): Promise<{ mismatches: DigestMismatch[]; counters: CounterCheck[]; ok: boolean }> {
  const after = await readDigests(ps.server, ps.schema, ps.runs, ps.logger);
  const before = new Map(ps.runs.map((r) => [r.plan.table, r.plan.digestBefore]));
  const mismatches = digestMismatches(before, after);
  const checks = await checkCounters(ps.conn, ps.schema, counters);
  return { mismatches, counters: checks, ok: mismatches.length === 0 && checks.every((c) => c.ok) };
}

/**
 * Undoes the batches newest first, each in its own transaction. A stop asked for ends the
 * rollback between two undos; a forced one closes the connection (the undo in flight rolls
 * back): either way nothing is half-undone and a rerun finishes the rollback.
 */
async function undoAll(
  ps: PlanSession,
  batches: readonly JournalBatch[],
  stop: StopToken | undefined,
): Promise<void> {
  const shapes = new Map(ps.runs.map((r) => [r.plan.table, r.shape]));
  const total = batches.length;
  let undone = 0;
  const unhook = stop?.onForce(() => ps.conn.destroy());
  const journal = { schema: ps.schema, planId: ps.manifest.planId };
  try {
    for (const run of undoRuns([...batches].reverse(), shapes)) {
      if (stop?.requested) throw stoppedRollback(stop, undone, total, undefined);
      const head = run[0];
      if (!head) continue;
      const shape = mustGet(shapes, head.table, 'table of journal batch');
      const seqs = run.map((b) => b.seq);
      const together = run.length > 1 ? await undoKeylessRun(ps.conn, shape, journal, seqs) : null;
      for (const b of run) {
        if (together === null) await undoBatch(ps.conn, shape, journal, b.seq);
        undone++;
        ps.logger.debug({ event: 'rollback.batch', seq: b.seq, table: b.table }, 'batch undone');
        await pausePoint(`undo:${b.seq}`);
      }
    }
  } catch (e) {
    throw stop?.forced && !(e instanceof InterruptedError)
      ? stoppedRollback(stop, undone, total, e)
      : e;
  } finally {
    unhook?.();
  }
}

/**
 * The batches in undo order, cut into runs: consecutive batches of one table without a key go
 * together (undone with one scan, undo-keyless-run.ts), up to KEYLESS_UNDO_ROWS rows; every
 * other batch on its own.
 */
function undoRuns(
  newestFirst: readonly JournalBatch[],
  shapes: ReadonlyMap<string, { readonly key: readonly unknown[] }>,
): JournalBatch[][] {
  const runs: JournalBatch[][] = [];
  for (const b of newestFirst) {
    const shape = shapes.get(b.table);
    if (!shape) throw new Error(`journal batch ${b.seq} is for ${b.table}, not in the plan`);
    const last = runs[runs.length - 1];
    const joins =
      last !== undefined &&
      shape.key.length === 0 &&
      last[0]?.table === b.table &&
      last.reduce((n, x) => n + x.rows, 0) + b.rows <= KEYLESS_UNDO_ROWS;
    if (joins) last.push(b);
    else runs.push([b]);
  }
  return runs;
}

/**
 * Live: the batches newest first, each undone row by row in its own transaction (rows the
 * application changed since the apply are kept and returned). Tables without a key too, batch
 * by batch: their rows are matched by value.
 */
async function undoAllLive(
  ps: PlanSession,
  batches: readonly JournalBatch[],
  backup: DbTarget,
  stop: StopToken | undefined,
): Promise<KeptRow[]> {
  const runs = new Map(ps.runs.map((r) => [r.plan.table, r]));
  const journal = { schema: ps.schema, planId: ps.manifest.planId };
  const hash64 = await loadHash64();
  const same = sameAddress(ps.server, backup);
  const other = same ? null : await connect(backup, { logger: ps.logger });
  const kept: KeptRow[] = [];
  const unhook = stop?.onForce(() => ps.conn.destroy());
  let undone = 0;
  try {
    const session = other ?? ps.conn;
    for (const b of [...batches].reverse()) {
      if (stop?.requested) throw stoppedRollback(stop, undone, batches.length, undefined);
      const r = mustGet(runs, b.table, 'table of journal batch');
      const done = await undoBatchLive(ps.conn, r.shape, journal, b, {
        dir: ps.dir,
        planFile: r.plan.file,
        hasher: new DigestRowHasher(r.info, hash64),
        backup: { session, schema: backup.schema },
      });
      kept.push(...done.kept);
      undone++;
      ps.logger.debug({ event: 'rollback.batch', seq: b.seq, table: b.table }, 'batch undone');
      await pausePoint(`undo:${b.seq}`);
    }
  } catch (e) {
    throw stop?.forced && !(e instanceof InterruptedError)
      ? stoppedRollback(stop, undone, batches.length, e)
      : e;
  } finally {
    unhook?.();
    await other?.close();
  }
  return kept;
}

function stoppedRollback(
  stop: StopToken,
  undone: number,
  total: number,
  error: unknown,
): InterruptedError {
  const signal = stop.forced ?? stop.requested ?? 'SIGINT';
  const fault = error instanceof FaultError ? error : null;
  const inBatch = fault?.context.batch;
  // A COMMIT that never left the client (the connection was closed first) committed nothing.
  const committing = inBatch?.committing === true && fault?.fault.unsent !== true;
  const head = committing
    ? `interrupted during the COMMIT of the undo of batch ${undone + 1} of ${total}: it is either committed or not at all (the journal knows which); nothing is half-undone`
    : inBatch
      ? `interrupted during the undo of batch ${undone + 1} of ${total}: the connection was closed, so its transaction rolled back; nothing is half-undone`
      : `interrupted after undoing batch ${undone} of ${total}; nothing is half-undone`;
  return new InterruptedError(signal, `${head}; rerun the same command to finish the rollback`, {
    ...(error === undefined ? {} : { cause: error }),
  });
}
