import { InterruptedError } from '../errors.js';
import { FaultError } from '../faults.js';
import { readActions } from '../plan/plan-files.js';
import type { StopToken } from '../stop.js';
import { type BatchLimits, tableBatches } from './batches.js';
import type { CopySource } from './copy-source.js';
import type { TableRun } from './plan-tables.js';

/** Where an apply stood when a signal stopped it. */
export interface StoppedApply {
  readonly dir: string;
  readonly runs: readonly TableRun[];
  readonly limits: BatchLimits;
  readonly copy: ReadonlyMap<string, CopySource>;
  /** per table, the end of its applied actions */
  readonly ends: ReadonlyMap<string, number>;
  /** batches of the plan applied so far, by this run and earlier ones */
  readonly done: number;
  /** the second signal closed the connection under a statement */
  readonly forced: boolean;
  /** what the statement that was cut off threw, if one was */
  readonly error?: unknown;
  readonly stop?: StopToken;
}

/**
 * The error that ends an apply stopped by SIGINT or SIGTERM: "interrupted after batch N of M;
 * nothing is half-written; rerun the same command to resume". M counts the batches a rerun
 * would still run (from the plan files, only now: a run that is not stopped never pays for it).
 */
export async function stoppedApply(s: StoppedApply): Promise<InterruptedError> {
  const signal = s.stop?.forced ?? s.stop?.requested ?? 'SIGINT';
  const total = s.done + (await remainingBatches(s));
  const fault = s.error instanceof FaultError ? s.error : null;
  const inBatch = fault?.context.batch;
  // A COMMIT that never left the client (the connection was closed first) committed nothing.
  const committing = inBatch?.committing === true && fault?.fault.unsent !== true;
  const n = s.done + 1;
  const head = !s.forced
    ? s.done === 0
      ? `interrupted before batch 1 of ${total}; nothing was written`
      : `interrupted after batch ${s.done} of ${total}; nothing is half-written`
    : committing
      ? `interrupted during the COMMIT of batch ${n} of ${total}: it is either committed with its journal row or not at all (the journal knows which); nothing is half-written`
      : inBatch === undefined
        ? `interrupted after batch ${s.done} of ${total}; nothing is half-written`
        : `interrupted during batch ${n} of ${total}: the connection was closed, so its transaction rolled back and nothing of it was written; nothing is half-written`;
  return new InterruptedError(signal, `${head}; rerun the same command to resume`, {
    ...(s.error === undefined ? {} : { cause: s.error }),
  });
}

/** Batches still to run from `ends`, as tableBatches would cut them now. */
async function remainingBatches(s: StoppedApply): Promise<number> {
  let n = 0;
  for (const phase of ['delete', 'write'] as const) {
    for (const r of s.runs) {
      const copies = Boolean(s.copy.get(r.plan.table)?.from);
      const from = s.ends.get(r.plan.table) ?? 0;
      const actions = readActions(s.dir, r.plan.file);
      for await (const _ of tableBatches(actions, r.plan.table, phase, from, s.limits, copies)) n++;
    }
  }
  return n;
}
