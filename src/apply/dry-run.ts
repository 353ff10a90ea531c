import { PreconditionError } from '../errors.js';
import type { ApplyOptions, ApplyReport } from './apply-plan.js';
import { alreadyApplied, checkDigests, listBatches, reportBase } from './apply-steps.js';
import { copySources } from './copy-source.js';
import { journalStatus, readJournal } from './journal.js';
import { DEFAULT_LOCK_WAIT_SECONDS, takeOrCheckLock } from './lock.js';
import type { PlanSession } from './plan-session.js';
import { checkTriggers, checkUnresolved } from './plan-tables.js';
import { checkFreshIds } from './reserve-ids.js';

/**
 * `reconcile apply` without --execute: writes nothing, and says what the real run would do and
 * what it would refuse. Each check the real run makes (unresolved actions, triggers, the lock,
 * the stale check) runs here too; a refusal is listed (`wouldRefuse`, with its reason) instead
 * of ending the run, so one dry run shows every problem at once. Exit 0 either way.
 */
export async function dryRunApply(ps: PlanSession, opts: ApplyOptions): Promise<ApplyReport> {
  const t0 = performance.now();
  const { manifest, conn, runs } = ps;
  const refusals: { reason: string; message: string }[] = [];
  const check = async <T>(fn: () => T | Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof PreconditionError)) throw e;
      refusals.push({ reason: e.reason, message: e.message });
      return fallback;
    }
  };
  await check(() => checkUnresolved(manifest, ps.schema), undefined);
  const triggers = await check(() => checkTriggers(manifest, runs, opts.allowTriggers), []);
  await check(
    () =>
      takeOrCheckLock(conn, ps.schema, ps.where, false, {
        seconds: opts.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
        logger: ps.logger,
      }),
    undefined,
  );
  const journal = await readJournal(conn, ps.schema, manifest.planId);
  const status = journalStatus(journal);
  const base = { ...reportBase(ps, opts, status, triggers), wouldRefuse: refusals };
  if (status === 'complete') return alreadyApplied(base, t0);
  // A live run checks rows as it goes, not the whole target (apply-plan.ts).
  if (!opts.live) await check(() => checkDigests(ps, journal), undefined);
  if (status === 'none') {
    await check(() => checkFreshIds(conn, ps.schema, ps.where, manifest, runs), undefined);
  }
  const copy = await copySources(conn, ps.server, opts.backup, runs, Boolean(opts.live));
  const tCheck = (performance.now() - t0) / 1000;
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
    seconds: { check: tCheck, write: 0, total: tCheck, paused: 0 },
  };
}
