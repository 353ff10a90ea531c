import type { Logger } from 'pino';
import type { Connection, Session } from '../db/types.js';
import { noProgress, type Progress } from '../diff/progress.js';
import { rowDigestHasher } from '../diff/table-digest.js';
import { InterruptedError } from '../errors.js';
import { withApplied } from '../faults.js';
import { DigestRowHasher } from '../hash/digest.js';
import { loadHash64 } from '../hash/xxhash.js';
import { mustGet } from '../must.js';
import { readActions } from '../plan/plan-files.js';
import type { StopToken } from '../stop.js';
import {
  autoIncrementTarget,
  type Counter,
  needsRaise,
  readAutoIncrement,
  readAutoIncrements,
  setAutoIncrement,
} from './auto-increment.js';
import { type Batch, type BatchLimits, readAhead, tableBatches } from './batches.js';
import type { CopySource } from './copy-source.js';
import {
  appliedEnds,
  type JournalState,
  journalAutoinc,
  journalMarker,
  type Phase,
} from './journal.js';
import type { TableRun } from './plan-tables.js';
import type { RestoreSource } from './restore-run.js';
import { applyBatch } from './run-batch.js';
import { stoppedApply } from './stopped.js';
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
  /**
   * the plan folder as the user named it: a failure then says how many of the plan's batches
   * stay applied and the commands that go on (resume, rollback). Unset for a rehearsal, whose
   * own line says what became of its copy or of production.
   */
  readonly planDir?: string;
}

/** Where a table's `copy` actions take their rows: the backup's schema here, or streamed. */
function restoreSource(
  copyFrom: string | null,
  backup: ExecuteInput['backup'],
): RestoreSource | null {
  if (copyFrom !== null) return { kind: 'same-server', schema: copyFrom };
  return backup ? { kind: 'stream', session: backup.session, schema: backup.schema } : null;
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
 * The first run records every table's AUTO_INCREMENT counter in its start row, before any
 * batch: rollback puts exactly those back. A stop asked for (`x.stop`) ends the run between
 * two batches with an InterruptedError.
 */
export async function executePlan(x: ExecuteInput): Promise<ExecuteResult> {
  const hash64 = await loadHash64();
  const progress = x.progress ?? noProgress;
  const applied = appliedEnds(x.journal);
  const ends = new Map(applied);
  const tallies = new Map<string, TableTally>();
  for (const r of x.runs) {
    const table = r.plan.table;
    tallies.set(table, newTally(table, applied.get(table) ?? 0, x.copy.get(table)?.note ?? null));
  }
  const unhook = x.stop?.onForce(() => x.conn.destroy());
  let batches = 0;
  const stopped = (forced: boolean, e?: unknown): Promise<InterruptedError> =>
    stoppedApply({ ...x, ends, done: x.journal.batches.length + batches, forced, error: e });
  try {
    let seq = x.journal.nextSeq;
    let counters: readonly Counter[] | null = x.journal.counters;
    if (!x.journal.started) {
      counters = await readAutoIncrements(
        x.conn,
        x.schema,
        x.runs.map((r) => r.plan.table),
      );
      const meta = { ...x.meta, autoIncrement: counters };
      await journalMarker(x.conn, x.schema, x.planId, seq++, 'start', meta);
    }
    await pausePoint('start');

    const phase = async (p: Phase, runs: readonly TableRun[]): Promise<void> => {
      for (const r of runs) {
        const tally = mustGet(tallies, r.plan.table, 'tally of table');
        const copyFrom = x.copy.get(r.plan.table)?.from ?? null;
        const target = {
          session: x.conn,
          shape: r.shape,
          hasher: new DigestRowHasher(r.info, hash64),
          copyFrom,
          restore: restoreSource(copyFrom, x.backup),
          check: {
            method: r.plan.digestMethod,
            hasher: rowDigestHasher(r.info, r.plan.digestMethod, hash64),
          },
        };
        const from = applied.get(r.plan.table) ?? 0;
        const actions = readActions(x.dir, r.plan.file, `${x.schema}.${r.plan.table}`);
        const label = `${p === 'delete' ? 'deleting from' : 'writing'} ${r.plan.table}`;
        const a = r.plan.actions;
        progress.tableStarted(label, p === 'delete' ? a.delete : a.insert + a.update);
        for await (const batch of readAhead(
          tableBatches(
            actions,
            r.plan.table,
            p,
            from,
            x.limits,
            target.copyFrom !== null,
            false,
            x.schema,
          ),
        )) {
          if (x.stop?.requested) throw await stopped(false);
          const t0 = performance.now();
          const n = seq++;
          const done = await applyBatch(target, batch, { schema: x.schema, planId: x.planId }, n);
          ends.set(r.plan.table, batch.end);
          addTally(tally, done, (performance.now() - t0) / 1000);
          batches++;
          logBatch(x.logger, n, p, batch);
          progress.rowsDone(label, batch.actions.length);
          await pausePoint(`batch:${n}`);
        }
        progress.tableDone(label);
      }
    };
    await phase('delete', [...x.runs].reverse());
    await phase('write', x.runs);

    const next = { value: seq };
    const autoIncrement = await raiseCounters(x, counters, tallies, next);
    await pausePoint('end');
    await journalMarker(x.conn, x.schema, x.planId, next.value++, 'complete', { batches });
    return { tables: [...tallies.values()], autoIncrement, batches };
  } catch (e) {
    // Forced: the connection was closed under whatever ran; say what that left.
    if (x.stop?.forced && !(e instanceof InterruptedError)) throw await stopped(true, e);
    const done = x.journal.batches.length + batches;
    throw x.planDir === undefined ? e : withApplied(e, { batches: done, planDir: x.planDir });
  } finally {
    unhook?.();
  }
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
  tally.seconds += seconds;
}

function logBatch(logger: Logger, seq: number, phase: Phase, batch: Batch): void {
  logger.debug(
    { event: 'apply.batch', seq, table: batch.table, phase, first: batch.first, end: batch.end },
    'batch applied',
  );
}

/**
 * Raises each AUTO_INCREMENT counter to what the plan needs (past every id). The journal keeps
 * the counter each had before the apply (the start row's, recorded before the first batch;
 * an `autoinc` row too, written before the ALTER, which commits on its own).
 */
async function raiseCounters(
  x: ExecuteInput,
  counters: readonly Counter[] | null,
  tallies: ReadonlyMap<string, TableTally>,
  seq: { value: number },
): Promise<AutoIncrementStep[]> {
  const out: AutoIncrementStep[] = [];
  for (const r of x.runs) {
    const t0 = performance.now();
    const want = await autoIncrementTarget(x.conn, x.schema, r);
    if (!want) continue;
    const current = await readAutoIncrement(x.conn, x.schema, r.plan.table);
    const raise = needsRaise(current, want.next);
    const recorded = x.journal.autoinc.find((a) => a.table === r.plan.table);
    const before =
      counters?.find((c) => c.table === r.plan.table)?.value ?? recorded?.before ?? current;
    if (raise) {
      if (!recorded) {
        await journalAutoinc(x.conn, x.schema, x.planId, {
          seq: seq.value++,
          table: r.plan.table,
          column: want.column,
          before,
          next: want.next,
        });
      }
      await setAutoIncrement(x.conn, x.schema, r.plan.table, want.next);
    }
    out.push({
      table: r.plan.table,
      column: want.column,
      before,
      next: want.next,
      raised: raise || recorded !== undefined,
    });
    mustGet(tallies, r.plan.table, 'tally of table').seconds += (performance.now() - t0) / 1000;
  }
  return out;
}
