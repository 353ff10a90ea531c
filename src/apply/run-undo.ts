import type { Cell } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { asFault } from '../faults.js';
import { must } from '../must.js';
import {
  deleteByKeys,
  insertValues,
  type Statement,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import { deleteJournalRow, readUndo } from './journal.js';
import { deleteRowsExact } from './keyless-delete.js';
import { stepRows, type UndoStep } from './undo.js';

/**
 * Undoes one journaled batch and deletes its journal row, in one transaction: a crash leaves the
 * batch either applied and journaled, or undone and gone from the journal, so a rollback can be
 * rerun (or the apply resumed) from any point. Steps run in reverse, and so do their rows.
 * Returns the rows put back.
 */
export async function undoBatch(
  s: Session,
  shape: TableShape,
  journal: { readonly schema: string; readonly planId: string },
  seq: number,
): Promise<number> {
  const rec = await readUndo(s, journal.schema, journal.planId, seq);
  const cols = shape.columns.map((c) => c.name);
  if (rec.table !== shape.name || rec.columns.join('\u0000') !== cols.join('\u0000')) {
    throw new PreconditionError(
      'journal-mismatch',
      `journal batch ${seq} was written for ${rec.table} (${rec.columns.join(', ')}), not for ${shape.name} as it is now (${cols.join(', ')}): the table changed since the apply`,
      { table: `${shape.schema}.${shape.name}`, batch: seq },
    );
  }
  let rows = 0;
  await undoInTransaction(s, shape, journal, seq, async () => {
    for (const step of [...rec.steps].reverse()) {
      await undoStep(s, shape, step, seq);
      rows += stepRows(step);
    }
  });
  return rows;
}

/**
 * Runs `undo` (a batch's steps put back) and deletes the batch's journal row, in one
 * transaction; on any failure the transaction is rolled back and the fault names the batch.
 */
export async function undoInTransaction(
  s: Session,
  sh: TableShape,
  journal: { readonly schema: string; readonly planId: string },
  seq: number,
  undo: () => Promise<void>,
): Promise<void> {
  let committing = false;
  try {
    await s.execute('START TRANSACTION');
    await undo();
    await deleteJournalRow(s, journal.schema, journal.planId, seq);
    committing = true;
    await s.execute('COMMIT');
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    throw asFault(e, {
      table: `${sh.schema}.${sh.name}`,
      batch: { seq, undo: true, committing },
    });
  }
}

async function undoStep(s: Session, sh: TableShape, step: UndoStep, seq: number): Promise<void> {
  const refuse = (r: number, n: number): PreconditionError =>
    new PreconditionError(
      'journal-mismatch',
      `${sh.schema}.${sh.name}: undoing batch ${seq} touched ${r} rows where ${n} were expected: the table changed since the apply (undo of this batch rolled back)`,
      { table: `${sh.schema}.${sh.name}`, batch: seq },
    );
  const expect = async (st: Statement, n: number): Promise<void> => {
    const r = (await s.execute(st.sql, st.params)).affectedRows;
    if (r !== n) throw refuse(r, n);
  };
  const reversed = <T>(xs: readonly T[]): T[] => [...xs].reverse();
  switch (step.op) {
    case 'unInsert':
      if (stepRows(step) > 0) {
        await expect(
          deleteByKeys(sh, { keys: step.keys, ranges: step.ranges ?? [] }),
          stepRows(step),
        );
      }
      return;
    case 'unInsertExact': {
      // One scan for the whole step, not one per row (keyless-delete.ts).
      const missing = await deleteRowsExact(s, sh, step.rows);
      if (missing.length > 0) throw refuse(step.rows.length - missing.length, step.rows.length);
      return;
    }
    case 'unUpdate':
      for (const [at, before] of withBefores(step.at, step.before).reverse()) {
        await expect(updateByKey(sh, at, before, 'all'), 1);
      }
      return;
    case 'unUpdateExact':
      for (const [row, before] of withBefores(step.rows, step.before).reverse()) {
        await expect(updateExact(sh, row, before, 'all'), 1);
      }
      return;
    case 'unDelete':
      if (step.rows.length > 0)
        await expect(insertValues(sh, reversed(step.rows)), step.rows.length);
      return;
  }
}

/** Each row (or key) of an update step with its before image. */
function withBefores(rows: readonly Cell[][], before: readonly Cell[][]): [Cell[], Cell[]][] {
  return rows.map((r, i) => [r, must(before[i], `before image ${i + 1} of the undo step`)]);
}
