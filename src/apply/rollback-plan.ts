import { PreconditionError } from '../errors.js';
import { setAutoIncrement } from './auto-increment.js';
import {
  type DigestMismatch,
  describeMismatches,
  digestMismatches,
  digestsAt,
  readDigests,
} from './digests.js';
import {
  appliedEnds,
  deleteJournalKind,
  dropJournalIfEmpty,
  type JournalStatus,
  journalStatus,
  readJournal,
} from './journal.js';
import { releaseLock, takeOrCheckLock } from './lock.js';
import type { PlanSession } from './plan-session.js';
import { undoBatch } from './run-undo.js';
import { pausePoint } from './test-pause.js';

export interface RollbackTable {
  readonly table: string;
  batches: number;
  rows: number;
}

export interface RollbackReport {
  readonly planId: string;
  readonly target: string;
  readonly mode: 'dry-run' | 'execute';
  readonly outcome: 'rolled-back' | 'would-roll-back' | 'nothing-to-undo';
  /** the journal's state for this plan when the run began */
  readonly journal: JournalStatus;
  readonly tables: readonly RollbackTable[];
  readonly batches: number;
  readonly rows: number;
  readonly autoIncrement: readonly { table: string; restoredTo: string | null }[];
  /** the target's digests equal the plan's *before* digests (after the rollback, when executed) */
  readonly beforeOk: boolean;
  readonly mismatches: readonly DigestMismatch[];
  readonly seconds: number;
}

/**
 * `reconcile rollback`: undoes this plan's journaled batches, newest first, then restores the
 * AUTO_INCREMENT counters apply raised, removes the plan's journal rows (and the journal table
 * once empty), and compares the target's digests with the plan's *before* digests.
 * Refuses (exit 3) when the target is not in the state the journal records: undoing then would
 * overwrite changes made since the apply.
 */
export async function rollbackPlan(
  ps: PlanSession,
  opts: { readonly execute: boolean },
): Promise<RollbackReport> {
  const t0 = performance.now();
  const { manifest, conn, runs } = ps;
  await takeOrCheckLock(conn, ps.schema, ps.where, opts.execute);
  try {
    const journal = await readJournal(conn, ps.schema, manifest.planId);
    const status = journalStatus(journal);
    const tables = new Map<string, RollbackTable>();
    for (const b of journal.batches) {
      const t = tables.get(b.table) ?? { table: b.table, batches: 0, rows: 0 };
      t.batches++;
      t.rows += b.rows;
      tables.set(b.table, t);
    }
    const base = {
      planId: manifest.planId,
      target: ps.where,
      mode: opts.execute ? ('execute' as const) : ('dry-run' as const),
      journal: status,
      tables: [...tables.values()],
      batches: journal.batches.length,
      rows: journal.batches.reduce((n, b) => n + b.rows, 0),
    };
    const expected = await digestsAt(ps.dir, runs, appliedEnds(journal));
    const now = await readDigests(ps.server, ps.schema, runs, ps.logger);
    const drift = digestMismatches(expected, now);
    if (status !== 'none' && drift.length > 0) {
      throw new PreconditionError(
        `${ps.where} is not in the state this plan's journal records: ${describeMismatches(drift)}; it changed since the apply, and undoing now would overwrite those changes`,
      );
    }
    if (status === 'none' || !opts.execute) {
      const before = status === 'none' ? drift : [];
      return {
        ...base,
        outcome: status === 'none' ? 'nothing-to-undo' : 'would-roll-back',
        autoIncrement: journal.autoinc.map((a) => ({ table: a.table, restoredTo: a.before })),
        beforeOk: status === 'none' ? before.length === 0 : false,
        mismatches: before,
        seconds: (performance.now() - t0) / 1000,
      };
    }

    const shapes = new Map(runs.map((r) => [r.plan.table, r.shape]));
    // First the marker: from here on the plan reads as partly applied, which it is.
    await deleteJournalKind(conn, ps.schema, manifest.planId, 'complete');
    for (const b of [...journal.batches].reverse()) {
      const shape = shapes.get(b.table);
      if (!shape) throw new Error(`journal batch ${b.seq} is for ${b.table}, not in the plan`);
      await undoBatch(conn, shape, { schema: ps.schema, planId: manifest.planId }, b.seq);
      ps.logger.debug({ event: 'rollback.batch', seq: b.seq, table: b.table }, 'batch undone');
      await pausePoint(`undo:${b.seq}`);
    }
    for (const a of journal.autoinc) {
      if (a.before !== null) await setAutoIncrement(conn, ps.schema, a.table, a.before);
    }
    await deleteJournalKind(conn, ps.schema, manifest.planId, 'autoinc');
    await deleteJournalKind(conn, ps.schema, manifest.planId, 'start');
    await dropJournalIfEmpty(conn, ps.schema);

    const after = await readDigests(ps.server, ps.schema, runs, ps.logger);
    const before = new Map(runs.map((r) => [r.plan.table, r.plan.digestBefore]));
    const mismatches = digestMismatches(before, after);
    ps.logger.info(
      {
        event: 'rollback.done',
        planId: manifest.planId,
        batches: base.batches,
        ok: mismatches.length === 0,
      },
      'plan rolled back',
    );
    return {
      ...base,
      outcome: 'rolled-back',
      autoIncrement: journal.autoinc.map((a) => ({ table: a.table, restoredTo: a.before })),
      beforeOk: mismatches.length === 0,
      mismatches,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    if (opts.execute) await releaseLock(conn, ps.schema).catch(() => undefined);
  }
}
