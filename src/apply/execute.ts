import type { Logger } from 'pino';
import type { Connection } from '../db/types.js';
import { noProgress, type Progress } from '../diff/progress.js';
import { DigestRowHasher } from '../hash/digest.js';
import { loadHash64 } from '../hash/xxhash.js';
import { readActions } from '../plan/plan-files.js';
import {
  autoIncrementTarget,
  needsRaise,
  readAutoIncrement,
  setAutoIncrement,
} from './auto-increment.js';
import { type BatchLimits, readAhead, tableBatches } from './batches.js';
import type { CopySource } from './copy-source.js';
import {
  appliedEnds,
  type JournalState,
  journalAutoinc,
  journalMarker,
  type Phase,
} from './journal.js';
import type { TableRun } from './plan-tables.js';
import { applyBatch } from './run-batch.js';
import { pausePoint } from './test-pause.js';

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
  readonly conn: Connection;
  readonly schema: string;
  readonly runs: readonly TableRun[];
  readonly journal: JournalState;
  readonly copy: ReadonlyMap<string, CopySource>;
  readonly limits: BatchLimits;
  readonly logger: Logger;
  readonly meta: Record<string, unknown>;
  readonly progress?: Progress;
}

export interface ExecuteResult {
  readonly tables: TableTally[];
  readonly autoIncrement: AutoIncrementStep[];
  readonly batches: number;
}

/**
 * Runs the plan's batches: deletes first, children before parents (the manifest's order
 * reversed), then updates and inserts, parents before children; then raises AUTO_INCREMENT
 * counters and marks the journal complete. Each batch commits with its journal row; whatever
 * the journal holds already is skipped, so a rerun after a crash continues where it stopped.
 */
export async function executePlan(x: ExecuteInput): Promise<ExecuteResult> {
  const hash64 = await loadHash64();
  const progress = x.progress ?? noProgress;
  const applied = appliedEnds(x.journal);
  const tallies = new Map<string, TableTally>();
  for (const r of x.runs) {
    const table = r.plan.table;
    tallies.set(table, newTally(table, applied.get(table) ?? 0, x.copy.get(table)?.note ?? null));
  }
  let seq = x.journal.nextSeq;
  if (!x.journal.started) {
    await journalMarker(x.conn, x.schema, x.planId, seq++, 'start', x.meta);
  }
  await pausePoint('start');

  let batches = 0;
  const phase = async (p: Phase, runs: readonly TableRun[]): Promise<void> => {
    for (const r of runs) {
      const tally = tallies.get(r.plan.table) as TableTally;
      const target = {
        session: x.conn,
        shape: r.shape,
        hasher: new DigestRowHasher(r.info, hash64),
        copyFrom: x.copy.get(r.plan.table)?.from ?? null,
      };
      const from = applied.get(r.plan.table) ?? 0;
      const actions = readActions(x.dir, r.plan.file);
      const label = `${p === 'delete' ? 'deleting from' : 'writing'} ${r.plan.table}`;
      const a = r.plan.actions;
      progress.tableStarted(label, p === 'delete' ? a.delete : a.insert + a.update);
      for await (const batch of readAhead(
        tableBatches(actions, r.plan.table, p, from, x.limits, target.copyFrom !== null),
      )) {
        const t0 = performance.now();
        const n = seq++;
        const done = await applyBatch(target, batch, { schema: x.schema, planId: x.planId }, n);
        tally.batches++;
        tally.copied += done.copied;
        tally.copySpans += done.copySpans;
        tally.inserted += done.inserted;
        tally.updated += done.updated;
        tally.deleted += done.deleted;
        tally.seconds += (performance.now() - t0) / 1000;
        batches++;
        x.logger.debug(
          {
            event: 'apply.batch',
            seq: n,
            table: r.plan.table,
            phase: p,
            first: batch.first,
            end: batch.end,
          },
          'batch applied',
        );
        progress.rowsDone(label, batch.actions.length);
        await pausePoint(`batch:${n}`);
      }
      progress.tableDone(label);
    }
  };
  await phase('delete', [...x.runs].reverse());
  await phase('write', x.runs);

  const autoIncrement: AutoIncrementStep[] = [];
  for (const r of x.runs) {
    const t0 = performance.now();
    const want = await autoIncrementTarget(x.conn, x.schema, r);
    if (!want) continue;
    const current = await readAutoIncrement(x.conn, x.schema, r.plan.table);
    const raise = needsRaise(current, want.next);
    const recorded = x.journal.autoinc.find((a) => a.table === r.plan.table);
    if (raise) {
      // Journal first (the ALTER commits on its own): a rollback then knows the old value.
      if (!recorded) {
        await journalAutoinc(x.conn, x.schema, x.planId, {
          seq: seq++,
          table: r.plan.table,
          column: want.column,
          before: current,
          next: want.next,
        });
      }
      await setAutoIncrement(x.conn, x.schema, r.plan.table, want.next);
    }
    autoIncrement.push({
      table: r.plan.table,
      column: want.column,
      before: recorded?.before ?? current,
      next: want.next,
      raised: raise || recorded !== undefined,
    });
    const tally = tallies.get(r.plan.table) as TableTally;
    tally.seconds += (performance.now() - t0) / 1000;
  }
  await pausePoint('end');
  await journalMarker(x.conn, x.schema, x.planId, seq++, 'complete', { batches });
  return { tables: [...tallies.values()], autoIncrement, batches };
}
