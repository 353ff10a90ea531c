import type { Logger } from 'pino';
import type { Connection, Session } from '../db/types.js';
import { noProgress, type Progress } from '../diff/progress.js';
import { rowDigestHasher } from '../diff/table-digest.js';
import { InterruptedError } from '../errors.js';
import { faultOf, withApplied } from '../faults.js';
import { DigestRowHasher } from '../hash/digest.js';
import { type Hash64, loadHash64 } from '../hash/xxhash.js';
import { mustGet } from '../must.js';
import type { PlanManifest } from '../plan/format.js';
import { readActions } from '../plan/plan-files.js';
import type { StopToken } from '../stop.js';
import {
  autoIncrementTarget,
  type Counter,
  needsRaise,
  readAutoIncrement,
  readAutoIncrements,
  setAutoIncrement,
  setAutoIncrementGently,
} from './auto-increment.js';
import { type Batch, type BatchLimits, COPY_SHARE, readAhead, tableBatches } from './batches.js';
import type { CopySource } from './copy-source.js';
import {
  appliedEnds,
  type JournalState,
  journalAutoinc,
  journalMarker,
  type Phase,
} from './journal.js';
import { copyPieces } from './live-pieces.js';
import { deferredSoFar, liveChildren, liveReferences, writeConflicts } from './live-run.js';
import type { TableRun } from './plan-tables.js';
import type { RestoreSource } from './restore-run.js';
import { applyBatch, type BatchTarget } from './run-batch.js';
import { stoppedApply } from './stopped.js';
import { pausePoint } from './test-pause.js';
import { nextBatchRows, Throttle, type ThrottleOptions } from './throttle.js';

/** What apply did to one table. */
/** A table's tally before any batch of this run. */
export function newTally(table: string, resumedFrom: number, copyNote: string | null): TableTally {
  return {
    table,
    resumedFrom,
    batches: 0,
    copied: 0,
    copySpans: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    deferred: 0,
    seconds: 0,
    copyNote,
  };
}

export interface TableTally {
  readonly table: string;
  /** actions already applied by an earlier, interrupted run */
  resumedFrom: number;
  batches: number;
  copied: number;
  /** batches whose restored rows were copied by one span (see run-batch.ts) */
  copySpans: number;
  inserted: number;
  updated: number;
  deleted: number;
  /** live runs: actions left for later (rows changed since the plan) */
  deferred: number;
  seconds: number;
  /** how restored rows were written */
  copyNote: string | null;
}

export interface AutoIncrementStep {
  readonly table: string;
  readonly column: string;
  readonly before: string | null;
  readonly next: string;
  readonly raised: boolean;
}

export interface ExecuteInput {
  readonly dir: string;
  readonly planId: string;
  readonly manifest: PlanManifest;
  /** the target as users know it, without secrets (for messages) */
  readonly where: string;
  readonly conn: Connection;
  readonly schema: string;
  readonly runs: readonly TableRun[];
  readonly journal: JournalState;
  readonly copy: ReadonlyMap<string, CopySource>;
  /**
   * a session on the backup's server, when it is not the target's: `copy` actions stream their
   * rows from it (null: same server, or nothing to copy)
   */
  readonly backup: { readonly session: Session; readonly schema: string } | null;
  readonly limits: BatchLimits;
  readonly logger: Logger;
  readonly meta: Record<string, unknown>;
  readonly progress?: Progress;
  /** checked between batches; forcing it closes `conn` (the open transaction rolls back) */
  readonly stop?: StopToken;
  /** `--live`: rows checked one by one, throttled (null or absent: strict) */
  readonly live?: ThrottleOptions | null;
  /**
   * a strict run writes (inserts, updates, restores) up to `count` more tables at once, each on
   * a lane `open` gives (absent: one table after another, as a live run always does)
   */
  readonly lanes?: { readonly count: number; readonly open: () => Promise<Lane> };
  /**
   * the plan folder as the user named it: a failure then says how many of the plan's batches
   * stay applied and the commands that go on (resume, rollback). Unset for a rehearsal, whose
   * own line says what became of its copy or of production.
   */
  readonly planDir?: string;
}

/**
 * Another writer of a parallel apply: a connection to the target set up as `conn` is, and one to
 * the backup's server when restored rows stream from it.
 */
export interface Lane {
  readonly conn: Connection;
  readonly backup: Session | null;
  close(): Promise<void>;
}

/** Where a table's `copy` actions take their rows: the backup's schema here, or streamed. */
function restoreSource(
  copy: CopySource | undefined,
  backup: ExecuteInput['backup'],
): RestoreSource | null {
  const from = copy?.from ?? null;
  if (from !== null) return { kind: 'same-server', schema: from };
  if (!backup) return null;
  return {
    kind: 'stream',
    session: backup.session,
    schema: backup.schema,
    load: copy?.load === true,
  };
}

export interface ExecuteResult {
  readonly tables: TableTally[];
  readonly autoIncrement: AutoIncrementStep[];
  readonly batches: number;
  /** live runs: actions deferred by this plan's runs so far (conflicts.jsonl), and time paused */
  readonly deferred: number;
  readonly pausedSeconds: number;
}

/**
 * Runs the plan's batches: deletes first, children before parents (the manifest's order
 * reversed), then updates and inserts, parents before children; then raises AUTO_INCREMENT
 * counters and marks the journal complete. Each batch commits with its journal row; whatever
 * the journal holds already is skipped, so a rerun after a crash continues where it stopped.
 * The first run records every table's AUTO_INCREMENT counter in its start row, before any
 * batch: rollback puts exactly those back. A stop asked for (`x.stop`) ends the run between
 * two batches with an InterruptedError.
 */
export async function executePlan(x: ExecuteInput): Promise<ExecuteResult> {
  const applied = appliedEnds(x.journal);
  const st: RunState = {
    hash64: await loadHash64(),
    applied,
    ends: new Map(applied),
    tallies: startTallies(x, applied),
    next: { value: x.journal.nextSeq },
    limits: { ...x.limits },
    batches: 0,
    deferred: 0,
    live: null,
  };
  const unhook = x.stop?.onForce(() => x.conn.destroy());
  try {
    const recorded = new Set(x.journal.autoinc.map((a) => a.table));
    const counters = await startJournal(x, st.next);
    // Reserved before the first batch (and again on a resume, which finds them raised): rows
    // the application inserts meanwhile take ids past every id the plan writes. The start row
    // holds every counter's value before the apply, for rollback: no `autoinc` row needed here.
    await reserveCounters(x);
    await pausePoint('start');

    st.live = x.live ? await liveContext(x) : null;
    if (st.live) st.deferred = st.live.earlier;
    for (const r of [...x.runs].reverse()) await applyTable(x, st, 'delete', r);
    await writeTables(x, st);

    const autoIncrement = await raiseCounters(x, counters, recorded, st.next, st.tallies);
    await pausePoint('end');
    await journalMarker(x.conn, x.schema, x.planId, st.next.value++, 'complete', {
      batches: st.batches,
    });
    return {
      tables: [...st.tallies.values()],
      autoIncrement,
      batches: st.batches,
      deferred: st.deferred,
      pausedSeconds: st.live?.throttle.pausedSeconds ?? 0,
    };
  } catch (e) {
    // Forced: the connection was closed under whatever ran; say what that left.
    if (x.stop?.forced && !(e instanceof InterruptedError)) throw await stoppedRun(x, st, true, e);
    const done = x.journal.batches.length + st.batches;
    throw x.planDir === undefined ? e : withApplied(e, { batches: done, planDir: x.planDir });
  } finally {
    unhook?.();
    // The readable copy of what the journal defers, however the run ended (best effort: the
    // journal keeps the record, and the next run rewrites the file).
    if (st.live && !x.stop?.forced) {
      await writeConflicts(x.conn, x.schema, x.planId, x.dir).catch(() => undefined);
    }
  }
}

type LiveContext = Awaited<ReturnType<typeof liveContext>>;

/** What a run keeps between its batches. */
interface RunState {
  readonly hash64: Hash64;
  /** where each table's actions applied by earlier runs end (the journal's) */
  readonly applied: ReadonlyMap<string, number>;
  /** where each table's applied actions end now */
  readonly ends: Map<string, number>;
  readonly tallies: ReadonlyMap<string, TableTally>;
  /** the journal's next seq */
  readonly next: { value: number };
  /** the batch size: a live run adapts its rows to how long its batches take */
  readonly limits: { rows: number; bytes: number };
  /** batches this run applied */
  batches: number;
  /** live runs: actions deferred by this plan's runs so far */
  deferred: number;
  live: LiveContext | null;
}

/** Every table's tally before any batch of this run. */
function startTallies(
  x: ExecuteInput,
  applied: ReadonlyMap<string, number>,
): Map<string, TableTally> {
  const tallies = new Map<string, TableTally>();
  for (const r of x.runs) {
    const table = r.plan.table;
    tallies.set(table, newTally(table, applied.get(table) ?? 0, x.copy.get(table)?.note ?? null));
  }
  return tallies;
}

/**
 * The first run's start row: every table's AUTO_INCREMENT counter before any batch (what
 * rollback puts back). Returns the counters the journal holds (null: a journal without them).
 */
async function startJournal(
  x: ExecuteInput,
  next: { value: number },
): Promise<readonly Counter[] | null> {
  if (x.journal.started) return x.journal.counters;
  const counters = await readAutoIncrements(
    x.conn,
    x.schema,
    x.runs.map((r) => r.plan.table),
  );
  const meta = { ...x.meta, autoIncrement: counters };
  await journalMarker(x.conn, x.schema, x.planId, next.value++, 'start', meta);
  return counters;
}

/** The error that says how far a stopped run got. */
function stoppedRun(
  x: ExecuteInput,
  st: RunState,
  forced: boolean,
  e?: unknown,
): Promise<InterruptedError> {
  return stoppedApply({
    ...x,
    ends: st.ends,
    done: x.journal.batches.length + st.batches,
    forced,
    error: e,
  });
}

/** How one table's batches are written: its shape, hashers, where restored rows come from. */
function batchTarget(x: ExecuteInput, st: RunState, r: TableRun): BatchTarget {
  const copy = x.copy.get(r.plan.table);
  const copyFrom = copy?.from ?? null;
  const live = st.live;
  return {
    session: x.conn,
    shape: r.shape,
    hasher: new DigestRowHasher(r.info, st.hash64),
    copyFrom,
    restore: restoreSource(copy, x.backup),
    check: {
      method: r.plan.digestMethod,
      hasher: rowDigestHasher(r.info, r.plan.digestMethod, st.hash64),
    },
    live: live && {
      references: live.references.get(r.plan.table) ?? [],
      parents: live.parents,
      children: live.children.get(r.plan.table) ?? [],
    },
  };
}

/**
 * The write phase: the tables one after another, or (a strict run given lanes) several at once,
 * taken in the plan's order, parents first. Each table's batches still run in order on one
 * connection, each committing with its journal row, so a stop anywhere resumes per table as
 * before. When one table fails, the others stop after their batch in flight, and the first
 * failure is what the run reports.
 */
async function writeTables(x: ExecuteInput, st: RunState): Promise<void> {
  const extra = st.live || !x.lanes ? 0 : Math.min(x.lanes.count, x.runs.length - 1);
  if (extra <= 0) {
    for (const r of x.runs) await applyTable(x, st, 'write', r);
    return;
  }
  const open = x.lanes?.open;
  const lanes: Lane[] = [];
  const unhooks: (() => void)[] = [];
  try {
    for (let i = 0; open && i < extra; i++) {
      const lane = await open();
      lanes.push(lane);
      const unhook = x.stop?.onForce(() => lane.conn.destroy());
      if (unhook) unhooks.push(unhook);
    }
    const queue = [...x.runs];
    const failures: unknown[] = [];
    const halted = (): boolean => failures.length > 0;
    const writer = async (xi: ExecuteInput): Promise<void> => {
      for (let r = queue.shift(); r && !halted(); r = queue.shift()) {
        try {
          await applyTable(xi, st, 'write', r, halted);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all([x, ...lanes.map((l) => laneInput(x, l))].map(writer));
    if (failures.length > 0) throw failures[0];
  } finally {
    for (const u of unhooks) u();
    for (const l of lanes) await l.close().catch(() => undefined);
  }
}

/** The run as one lane sees it: its own connections, everything else shared. */
function laneInput(x: ExecuteInput, lane: Lane): ExecuteInput {
  return {
    ...x,
    conn: lane.conn,
    backup: x.backup && lane.backup ? { session: lane.backup, schema: x.backup.schema } : x.backup,
  };
}

/**
 * One table's batches of one phase (its deletes, or its updates and inserts), from where an
 * earlier run stopped; each batch commits with its journal row.
 */
async function applyTable(
  x: ExecuteInput,
  st: RunState,
  p: Phase,
  r: TableRun,
  halted: () => boolean = () => false,
): Promise<void> {
  const progress = x.progress ?? noProgress;
  const live = st.live;
  const target = batchTarget(x, st, r);
  const from = st.applied.get(r.plan.table) ?? 0;
  const actions = readActions(x.dir, r.plan.file, `${x.schema}.${r.plan.table}`);
  const label = `${p === 'delete' ? 'deleting from' : 'writing'} ${r.plan.table}`;
  const a = r.plan.actions;
  progress.tableStarted(label, p === 'delete' ? a.delete : a.insert + a.update);
  const copies = target.copyFrom !== null;
  const batches = tableBatches(actions, r.plan.table, p, from, st.limits, copies, false, x.schema);
  for await (const batch of readAhead(batches)) {
    if (halted()) return;
    const pieces = live
      ? await copyPieces(target, batch, () => st.limits.rows * COPY_SHARE, {
          schema: x.schema,
          planId: x.planId,
          batches: x.journal.batches,
        })
      : null;
    for (const b of pieces ?? [batch]) await runBatch(x, st, target, b, label);
    progress.rowsDone(label, batch.actions.length);
  }
  progress.tableDone(label);
}

/** One batch (or a piece of one, live): throttled, applied, counted. */
async function runBatch(
  x: ExecuteInput,
  st: RunState,
  target: BatchTarget,
  batch: Batch,
  label: string,
): Promise<void> {
  const progress = x.progress ?? noProgress;
  const live = st.live;
  const tally = mustGet(st.tallies, batch.table, 'tally of table');
  if (live) {
    await live.throttle.wait(`batch ${st.next.value} (${batch.table})`);
    progress.paused?.(label, live.throttle.pausedSeconds);
  }
  if (x.stop?.requested) throw await stoppedRun(x, st, false);
  const t0 = performance.now();
  const n = st.next.value++;
  const journal = { schema: x.schema, planId: x.planId };
  const done = live
    ? await withRetries(() => applyBatch(target, batch, journal, n), x.logger, n)
    : await applyBatch(target, batch, journal, n);
  const secs = (performance.now() - t0) / 1000;
  st.ends.set(batch.table, batch.end);
  addTally(tally, done, secs);
  if (live) {
    st.limits.rows = nextBatchRows(st.limits.rows, secs, live.batchSeconds, x.limits.rows);
    st.deferred += done.deferred.length;
  }
  st.batches++;
  logBatch(x.logger, n, batch.phase, batch);
  await pausePoint(`batch:${n}`);
}

/** Tries of a live batch that lost a race with the application (see withRetries). */
const LIVE_TRIES = 6;
const RETRIED = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_DUP_ENTRY']);

/**
 * A live batch again, after a deadlock or a lock wait with the application's transactions, or
 * a key the application took between the batch's check and its write (READ COMMITTED locks no
 * gaps): the batch rolled back whole, and its next try checks the rows again (a key taken now
 * is deferred). Gives up after LIVE_TRIES tries with the last error.
 */
async function withRetries<T>(fn: () => Promise<T>, logger: Logger, seq: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = faultOf(e)?.code;
      if (i >= LIVE_TRIES || code === undefined || !RETRIED.has(code)) throw e;
      logger.info(
        { event: 'apply.retry', seq, code, try: i },
        `batch ${seq}: ${code}, trying again`,
      );
      await new Promise((r) => setTimeout(r, 50 * 2 ** i));
    }
  }
}

/** A live run's context: references to follow, parents deferred so far, the throttle. */
async function liveContext(x: ExecuteInput) {
  const opts = x.live;
  if (!opts) throw new Error('liveContext called for a strict run');
  const earlier = await deferredSoFar(x.conn, x.schema, x.planId, x.runs);
  const references = liveReferences(x.runs);
  return {
    references,
    children: await liveChildren(x.dir, x.manifest, x.runs, references, await loadHash64()),
    parents: earlier.parents,
    earlier: earlier.count,
    throttle: new Throttle(opts, x.conn, x.logger, x.stop),
    batchSeconds: opts.batchSeconds,
  };
}

function addTally(
  tally: TableTally,
  done: Awaited<ReturnType<typeof applyBatch>>,
  seconds: number,
): void {
  tally.batches++;
  tally.copied += done.copied;
  tally.copySpans += done.copySpans;
  tally.inserted += done.inserted;
  tally.updated += done.updated;
  tally.deleted += done.deleted;
  tally.deferred += done.deferred.length;
  tally.seconds += seconds;
}

function logBatch(logger: Logger, seq: number, phase: Phase, batch: Batch): void {
  logger.debug(
    { event: 'apply.batch', seq, table: batch.table, phase, first: batch.first, end: batch.end },
    'batch applied',
  );
}

/**
 * The reservation before the first batch: each counter raised at once, as raiseCounters does,
 * but never waiting long for a table a transaction holds open (the ALTER's metadata lock would
 * queue every query on the table behind it): a table whose lock it cannot get in a few seconds
 * keeps its counter until the end of the run, said in a warning. A live run still defers a move
 * whose fresh id a row took meanwhile; a strict run's batch then fails on the duplicate key.
 */
async function reserveCounters(x: ExecuteInput): Promise<void> {
  for (const r of x.runs) {
    const want = await autoIncrementTarget(x.conn, x.schema, r);
    if (!want) continue;
    if (!needsRaise(await readAutoIncrement(x.conn, x.schema, r.plan.table), want.next)) continue;
    try {
      await setAutoIncrementGently(x.conn, x.schema, r.plan.table, want.next, 1, 3);
    } catch (e) {
      if (faultOf(e)?.code !== 'ER_LOCK_WAIT_TIMEOUT') throw e;
      x.logger.warn(
        { event: 'apply.reserve-skipped', table: r.plan.table },
        `${r.plan.table}: AUTO_INCREMENT not reserved before the first batch (a transaction holds the table open); it is raised after the batches, and a row inserted meanwhile may take one of the plan's ids`,
      );
    }
  }
}

/**
 * Raises each AUTO_INCREMENT counter to what the plan needs (past every id) after the last
 * batch (most are raised already: reserveCounters). The journal keeps the counter each had
 * before the apply (the start row's, recorded before the first batch; an `autoinc` row too,
 * written before the ALTER, which commits on its own).
 */
async function raiseCounters(
  x: ExecuteInput,
  counters: readonly Counter[] | null,
  /** tables with an `autoinc` row */
  recorded: Set<string>,
  seq: { value: number },
  tallies: ReadonlyMap<string, TableTally> | null,
): Promise<AutoIncrementStep[]> {
  const out: AutoIncrementStep[] = [];
  for (const r of x.runs) {
    const t0 = performance.now();
    const want = await autoIncrementTarget(x.conn, x.schema, r);
    if (!want) continue;
    const current = await readAutoIncrement(x.conn, x.schema, r.plan.table);
    const raise = needsRaise(current, want.next);
    const before =
      counters?.find((c) => c.table === r.plan.table)?.value ??
      x.journal.autoinc.find((a) => a.table === r.plan.table)?.before ??
      current;
    if (raise) {
      if (!recorded.has(r.plan.table)) {
        await journalAutoinc(x.conn, x.schema, x.planId, {
          seq: seq.value++,
          table: r.plan.table,
          column: want.column,
          before,
          next: want.next,
        });
        recorded.add(r.plan.table);
      }
      // A live target keeps serving: the ALTER must not queue its queries for long.
      if (x.live) await setAutoIncrementGently(x.conn, x.schema, r.plan.table, want.next);
      else await setAutoIncrement(x.conn, x.schema, r.plan.table, want.next);
    }
    out.push({
      table: r.plan.table,
      column: want.column,
      before,
      next: want.next,
      // raised by this plan's runs: above its value before the apply
      raised: raise || before === null || BigInt(before) < BigInt(want.next),
    });
    const tally = tallies?.get(r.plan.table);
    if (tally) tally.seconds += (performance.now() - t0) / 1000;
  }
  return out;
}
