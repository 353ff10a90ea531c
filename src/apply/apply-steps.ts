/**
 * The steps apply and its dry run share: the report's frame, the stale check, the listing of
 * the batches a run would make.
 */
import { PreconditionError } from '../errors.js';
import { digestEquals } from '../hash/digest.js';
import { readActions } from '../plan/plan-files.js';
import type { ApplyOptions, ApplyReport } from './apply-plan.js';
import { type BatchLimits, tableBatches } from './batches.js';
import type { copySources } from './copy-source.js';
import { describeMismatches, firstMismatchTable, journalDrift } from './digests.js';
import { newTally, type TableTally } from './execute.js';
import {
  appliedEnds,
  type JournalState,
  type JournalStatus,
  stoppedInPieces,
  unfinishedPieces,
  unfinishedPlans,
} from './journal.js';
import type { PlanSession } from './plan-session.js';

/** The parts of an apply report every run fills the same way. */
export type ReportBase = Pick<
  ApplyReport,
  | 'planId'
  | 'target'
  | 'mode'
  | 'live'
  | 'deferred'
  | 'journal'
  | 'order'
  | 'triggers'
  | 'batchRows'
  | 'wouldRefuse'
>;

/** What every report of a run names: the plan, the target, the mode, the journal's state. */
export function reportBase(
  ps: PlanSession,
  opts: ApplyOptions,
  journal: JournalStatus,
  triggers: readonly string[],
): ReportBase {
  return {
    planId: ps.manifest.planId,
    target: ps.where,
    mode: opts.execute ? ('execute' as const) : ('dry-run' as const),
    live: Boolean(opts.live),
    deferred: 0,
    journal,
    order: ps.runs.map((r) => r.plan.table),
    triggers,
    batchRows: opts.limits.rows,
    wouldRefuse: [],
  };
}

export function alreadyApplied(base: ReportBase, t0: number): ApplyReport {
  const secs = (performance.now() - t0) / 1000;
  return {
    ...base,
    outcome: 'already-applied',
    tables: [],
    batches: 0,
    rows: 0,
    autoIncrement: [],
    seconds: { check: secs, write: 0, total: secs, paused: 0 },
  };
}

/**
 * The stale check: the target must be exactly where the plan (and this plan's journal, if a
 * run was interrupted) says it is.
 */
export async function checkDigests(ps: PlanSession, journal: JournalState): Promise<void> {
  const { now: actual, drift: bad } = await journalDrift(ps, journal);
  if (bad.length === 0) return;
  const what = describeMismatches(bad);
  const table = firstMismatchTable(ps.schema, bad);
  const pieces = unfinishedPieces(journal.batches);
  if (pieces.length > 0) {
    throw stoppedInPieces(
      ps.where,
      pieces,
      'apply --execute --live (or rollback --execute --live)',
    );
  }
  if (journal.batches.length > 0) {
    throw new PreconditionError(
      'journal-mismatch',
      `${ps.where} is not in the state this plan's journal records (${journal.batches.length} batches applied): ${what}; it changed since; finish the apply with --execute --live (each remaining row checked, rows changed since the plan deferred), or roll it back (rollback --execute --live undoes only rows nobody changed since)`,
      { table },
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
      : '; make the plan again, or apply it with --live (rows checked one by one, those changed since the plan deferred)';
  throw new PreconditionError(
    'stale-plan',
    `${ps.where} changed since the plan was made: ${what}${hint}`,
    { table },
  );
}

/** What --execute would run: batches per table, from where a resumed run would start. */
export async function listBatches(
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
        readActions(ps.dir, r.plan.file, `${ps.schema}.${r.plan.table}`),
        r.plan.table,
        phase,
        from,
        limits,
        Boolean(source?.from),
        true,
      )) {
        tally.batches++;
        for (const a of b.actions) {
          if (a.op === 'insert') {
            const copied = a.copyOf === 'backup' && source?.from;
            if (copied) tally.copied++;
            else tally.inserted++;
          } else if (a.op === 'copy') tally.copied += a.count;
          else if (a.op === 'update') tally.updated++;
          else if (a.op === 'delete') tally.deleted++;
        }
      }
    }
    out.push(tally);
  }
  return out;
}
