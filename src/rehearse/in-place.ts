import { type ApplyReport, applyPlan } from '../apply/apply-plan.js';
import { journalStatus, readJournal } from '../apply/journal.js';
import { acquireLock, DEFAULT_LOCK_WAIT_SECONDS, releaseLock } from '../apply/lock.js';
import { openPlanSession, type PlanSession } from '../apply/plan-session.js';
import { rollbackPlan } from '../apply/rollback-plan.js';
import { noProgress, type Progress } from '../diff/progress.js';
import { InterruptedError, PreconditionError, UserError } from '../errors.js';
import { FaultError } from '../faults.js';
import { shellQuote } from '../shell-quote.js';
import { StopToken } from '../stop.js';
import { type VerifyReport, verifyPlan } from '../verify/verify-plan.js';
import type { RehearseOptions, RehearseReport } from './rehearse-plan.js';

/**
 * The in-place rehearsal: apply to the target itself, holding the lock throughout, verify,
 * roll back, and check the target is back to its *before* digests and counters. A rehearsal
 * must leave production as it found it: when the apply or verify fails midway (or a person
 * stops it), it is rolled back too; when that rollback cannot finish, the error says that
 * production is left partly applied, and the command that finishes the rollback.
 */
export async function inPlace(
  ps: PlanSession,
  o: RehearseOptions,
  t0: number,
): Promise<RehearseReport> {
  const wait = { seconds: o.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, logger: o.logger };
  // Held from before the apply until after the rollback (named locks nest on one connection).
  await acquireLock(ps.conn, ps.schema, ps.where, wait);
  try {
    await refuseIfJournaled(ps);
    let apply: ApplyReport;
    let verify: VerifyReport;
    // Batches committed so far: a failure after the first leaves production partly applied.
    const committed = { batches: 0 };
    try {
      apply = await applyPlan(ps, {
        execute: true,
        allowTriggers: o.allowTriggers,
        limits: o.limits,
        backup: o.backup,
        lockWaitSeconds: wait.seconds,
        progress: counting(o.progress ?? noProgress, committed),
        ...(o.stop ? { stop: o.stop } : {}),
      });
      verify = await verifyPlan(ps);
    } catch (e) {
      throw await undoAfterFailure(ps, o, e, committed.batches > 0);
    }
    // A first Ctrl-C during this rollback must not leave production half-rehearsed: only a
    // second one stops it.
    const stop = o.stop ? StopToken.forceOnly(o.stop) : undefined;
    const rollback = await rollbackPlan(ps, {
      execute: true,
      lockWaitSeconds: wait.seconds,
      ...(stop ? { stop } : {}),
    }).catch((r: unknown) => {
      throw partlyApplied(o, ps.where, 'verified, but its rollback failed', r, r, true);
    });
    return {
      planId: o.manifest.planId,
      target: ps.where,
      mode: 'in-place',
      scratch: null,
      clone: null,
      apply,
      verify,
      rollback,
      ok: verify.ok && rollback.beforeOk,
      notes: [],
      window: windowOf(apply.seconds.check, apply, verify),
      liveRun: null,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await releaseLock(ps.conn, ps.schema).catch(() => undefined);
  }
}

/**
 * Rolls back what a failed in-place rehearsal wrote. On a connection that died (the server
 * restarted, the connection was killed) it reconnects first. Returns the error to throw: the
 * apply's own when nothing was written or all was rolled back; one saying production is left
 * partly applied when the rollback failed too.
 */
async function undoAfterFailure(
  ps: PlanSession,
  o: RehearseOptions,
  e: unknown,
  committed: boolean,
): Promise<unknown> {
  const stop = o.stop ? StopToken.forceOnly(o.stop) : undefined;
  const lost = e instanceof FaultError && e.fault.connectionLost;
  let session = ps;
  let written = committed;
  try {
    if (o.stop?.forced) return partlyApplied(o, ps.where, 'was stopped at once', e, null, written);
    if (lost) session = await openPlanSession(o.dir, o.manifest, o.target, ps.schema, o.logger);
    const j = await readJournal(session.conn, session.schema, o.manifest.planId);
    if (journalStatus(j) === 'none') return e;
    written ||= j.batches.length > 0;
    const rb = await rollbackPlan(session, {
      execute: true,
      lockWaitSeconds: o.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
      ...(stop ? { stop } : {}),
    });
    if (!rb.beforeOk) {
      return partlyApplied(o, ps.where, 'failed, and its rollback left differences', e, null, true);
    }
    if (e instanceof InterruptedError) {
      return new InterruptedError(
        e.signal,
        `interrupted; the rehearsal's writes were rolled back: ${ps.where} has its before digests again`,
        { cause: e },
      );
    }
    return e;
  } catch (r) {
    const what = 'failed, and its automatic rollback failed too';
    return partlyApplied(o, ps.where, what, e, r, written);
  } finally {
    if (session !== ps) await session.conn.close();
  }
}

/** "… production is left partly applied; finish the rollback with: reconcile rollback …" */
function partlyApplied(
  o: RehearseOptions,
  where: string,
  what: string,
  e: unknown,
  r: unknown,
  /** whether batches are known to be committed (else: none could be seen) */
  sure: boolean,
): Error {
  // A fault in short (what happened): the line's own advice would be the apply's, not this.
  const line = (x: unknown): string =>
    x instanceof FaultError
      ? (x.context.what ?? x.fault.what)
      : ((x instanceof Error ? x.message : String(x)).split('\n', 1)[0] ?? '');
  const command = o.finishCommand ?? `reconcile rollback --plan ${shellQuote(o.dir)} --execute`;
  const why = r === null || r === e ? line(e) : `${line(e)}; then: ${line(r)}`;
  const left = sure ? 'is left partly applied' : 'may be left partly applied';
  const message = `the in-place rehearsal ${what} (${why}): ${where} ${left}; finish the rollback with: ${command}`;
  // The table the apply failed on, when its error names one.
  const table = e instanceof UserError ? e.table : undefined;
  const details = { cause: e, command, table };
  const signal = o.stop?.forced ?? (e instanceof InterruptedError ? e.signal : null);
  return signal
    ? new InterruptedError(signal, message, details)
    : new PreconditionError('partly-applied', message, details);
}

export async function refuseIfJournaled(ps: PlanSession): Promise<void> {
  const status = journalStatus(await readJournal(ps.conn, ps.schema, ps.manifest.planId));
  if (status !== 'none') {
    throw new PreconditionError(
      'journaled',
      `the plan is ${status === 'complete' ? 'applied' : 'partly applied'} on ${ps.where} (its journal says so): a rehearsal comes before the apply; roll back first to rehearse again`,
    );
  }
}

export function windowOf(
  check: number,
  apply: ApplyReport,
  verify: VerifyReport,
): RehearseReport['window'] {
  const a = apply.seconds.write;
  return { check, apply: a, verify: verify.seconds, total: check + a + verify.seconds };
}

/** `p`, counting the batches it is told of (each is reported once committed). */
function counting(p: Progress, n: { batches: number }): Progress {
  return {
    tableStarted: (t, e) => p.tableStarted(t, e),
    rowsDone: (t, rows) => {
      n.batches++;
      p.rowsDone(t, rows);
    },
    tableDone: (t) => p.tableDone(t),
  };
}
