import type { Logger } from 'pino';
import { type ApplyReport, applyPlan } from '../apply/apply-plan.js';
import type { BatchLimits } from '../apply/batches.js';
import {
  describeMismatches,
  digestMismatches,
  digestsAt,
  firstMismatchTable,
  readDigests,
} from '../apply/digests.js';
import { openPlanSession, type PlanSession } from '../apply/plan-session.js';
import { checkTriggers, checkUnresolved } from '../apply/plan-tables.js';
import type { RollbackReport } from '../apply/rollback-plan.js';
import type { ThrottleOptions } from '../apply/throttle.js';
import type { DbTarget } from '../db/url.js';
import type { Progress } from '../diff/progress.js';
import { InterruptedError, PreconditionError } from '../errors.js';
import type { PlanManifest } from '../plan/format.js';
import type { StopToken } from '../stop.js';
import { type VerifyReport, verifyPlan } from '../verify/verify-plan.js';
import { inPlace, refuseIfJournaled, windowOf } from './in-place.js';
import { type CloneResult, cloneSchema, dropScratch, scratchName } from './scratch.js';

export interface RehearseOptions {
  readonly dir: string;
  readonly manifest: PlanManifest;
  /** the target, with credentials */
  readonly target: DbTarget;
  readonly backup: DbTarget;
  readonly inPlace: boolean;
  readonly keep: boolean;
  readonly allowTriggers: boolean;
  readonly limits: BatchLimits;
  readonly logger: Logger;
  /** rows written per table, as apply reports them (a TTY draws it) */
  readonly progress?: Progress;
  /** how long to wait for the lock another run holds (--lock-wait) */
  readonly lockWaitSeconds?: number;
  /** a person's SIGINT/SIGTERM: stop between batches (see stop.ts) */
  readonly stop?: StopToken;
  /**
   * The command that finishes the rollback an in-place rehearsal could not, as a person would
   * type it (the CLI adds the connection flags it ran with); default: rollback with the plan.
   */
  readonly finishCommand?: string;
  /** `--live`: the apply rehearsed is the live one (scratch copy only) */
  readonly live?: ThrottleOptions | null;
}

export interface RehearseReport {
  readonly planId: string;
  readonly target: string;
  readonly mode: 'scratch' | 'in-place';
  /** the scratch schema (default mode) and whether it was kept */
  readonly scratch: { readonly schema: string; readonly kept: boolean } | null;
  readonly clone: CloneResult | null;
  readonly apply: ApplyReport;
  readonly verify: VerifyReport;
  readonly rollback: RollbackReport | null;
  /** verify passed (and, in place, the rollback returned the target to its *before* digests) */
  readonly ok: boolean;
  /** what this rehearsal could not reproduce of the real run */
  readonly notes: readonly string[];
  /**
   * The real run's projected length: the stale check on the target, the batches, the verify.
   * Measured, not estimated: the scratch copy lives on the target's server.
   */
  readonly window: {
    readonly check: number;
    readonly apply: number;
    readonly verify: number;
    readonly total: number;
  };
  /**
   * `--live`: how long the live run takes (no window: the target keeps serving): its writes
   * with their per-row checks, and the time it paused here (over --max-load on the target's
   * server, or the pause file); the real run pauses as long as the real load asks. Null for a
   * strict rehearsal. The strict window above is then projected from the same (live) writes,
   * a little longer than strict ones.
   */
  readonly liveRun: {
    readonly write: number;
    readonly paused: number;
    readonly total: number;
  } | null;
  readonly seconds: number;
}

/**
 * `reconcile rehearse`: runs the plan exactly as apply would, then verifies.
 * By default on a scratch copy of the target's tables on the target's server, which it drops
 * afterwards (unless `keep`); the target is only read. With `inPlace`, on the target itself,
 * holding the lock throughout, and then rolls back from the journal and checks that the target
 * is back to its *before* digests exactly.
 */
export async function rehearsePlan(o: RehearseOptions): Promise<RehearseReport> {
  const t0 = performance.now();
  const real = await openPlanSession(o.dir, o.manifest, o.target, o.target.schema, o.logger);
  try {
    return o.inPlace ? await inPlace(real, o, t0) : await onScratch(real, o, t0);
  } finally {
    await real.conn.close();
  }
}

async function onScratch(
  real: PlanSession,
  o: RehearseOptions,
  t0: number,
): Promise<RehearseReport> {
  const { triggers, check } = await checkAsTheRealRun(real, o);
  const scratch = scratchName(real.schema, o.manifest.planId);
  let kept = false;
  try {
    const clone = await cloneSchema(
      o.target,
      real.schema,
      scratch,
      real.runs.map((r) => r.plan.table),
      o.logger,
    );
    o.logger.info({ event: 'rehearse.cloned', scratch, ...clone }, 'scratch copy made');
    const ps = await openPlanSession(o.dir, o.manifest, o.target, scratch, o.logger);
    try {
      const apply = await applyOnScratch(ps, o, real.where);
      const verify = await verifyPlan(ps);
      kept = o.keep;
      return {
        planId: o.manifest.planId,
        target: real.where,
        mode: 'scratch',
        scratch: { schema: scratch, kept },
        clone,
        apply,
        verify,
        rollback: null,
        ok: verify.ok,
        notes: triggers.length > 0 ? [...clone.skippedTriggers] : [],
        window: windowOf(check, apply, verify),
        liveRun: o.live
          ? {
              write: apply.seconds.write,
              paused: apply.seconds.paused,
              total: apply.seconds.write + apply.seconds.paused,
            }
          : null,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      await ps.conn.close();
    }
  } finally {
    if (!kept) await dropScratch(o.target, scratch, o.logger);
  }
}

/**
 * The refusals the real run would meet, checked on the real target (which is only read): an
 * unresolved plan, triggers not accepted, a journal of this plan, a target changed since the
 * plan. Returns the triggers accepted and the seconds the checks took.
 */
async function checkAsTheRealRun(
  real: PlanSession,
  o: RehearseOptions,
): Promise<{ triggers: readonly string[]; check: number }> {
  const tCheck = performance.now();
  checkUnresolved(o.manifest, real.schema);
  const triggers = checkTriggers(o.manifest, real.runs, o.allowTriggers);
  await refuseIfJournaled(real);
  const before = await digestsAt(o.dir, real.runs, new Map());
  const now = await readDigests(real.server, real.schema, real.runs, o.logger);
  const stale = digestMismatches(before, now);
  if (stale.length > 0) {
    throw new PreconditionError(
      'stale-plan',
      `${real.where} changed since the plan was made: ${describeMismatches(stale)}; make the plan again`,
      { table: firstMismatchTable(real.schema, stale) },
    );
  }
  return { triggers, check: (performance.now() - tCheck) / 1000 };
}

/** The apply, on the scratch copy `ps` writes to, as the real run would make it. */
function applyOnScratch(ps: PlanSession, o: RehearseOptions, where: string): Promise<ApplyReport> {
  return applyPlan(ps, {
    execute: true,
    allowTriggers: o.allowTriggers,
    limits: o.limits,
    backup: o.backup,
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.stop ? { stop: o.stop } : {}),
    live: o.live ?? null,
  }).catch((e: unknown) => {
    // A rerun starts the scratch copy over: there is nothing to resume.
    throw e instanceof InterruptedError
      ? new InterruptedError(
          e.signal,
          `interrupted; the scratch copy ${ps.schema} is dropped and ${where} was only read; rerun to rehearse again`,
          { cause: e },
        )
      : e;
  });
}
