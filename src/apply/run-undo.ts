import type { Cell } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import {
  deleteByKeys,
  deleteExact,
  insertValues,
  type Statement,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import { deleteJournalRow, readUndo } from './journal.js';
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
      `journal batch ${seq} was written for ${rec.table} (${rec.columns.join(', ')}), not for ${shape.name} as it is now (${cols.join(', ')}): the table changed since the apply`,
    );
  }
  let rows = 0;
  await s.execute('START TRANSACTION');
  try {
    for (const step of [...rec.steps].reverse()) {
      await undoStep(s, shape, step, seq);
      rows += stepRows(step);
    }
    await deleteJournalRow(s, journal.schema, journal.planId, seq);
    await s.execute('COMMIT');
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return rows;
}

async function undoStep(s: Session, sh: TableShape, step: UndoStep, seq: number): Promise<void> {
  const expect = async (st: Statement, n: number): Promise<void> => {
    const r = (await s.execute(st.sql, st.params)).affectedRows;
    if (r !== n) {
      throw new PreconditionError(
        `${sh.schema}.${sh.name}: undoing batch ${seq} touched ${r} rows where ${n} were expected: the table changed since the apply (undo of this batch rolled back)`,
      );
    }
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
    case 'unInsertExact':
      for (const row of reversed(step.rows)) await expect(deleteExact(sh, row), 1);
      return;
    case 'unUpdate':
      for (let i = step.at.length - 1; i >= 0; i--) {
        await expect(updateByKey(sh, step.at[i] as Cell[], step.before[i] as Cell[], 'all'), 1);
      }
      return;
    case 'unUpdateExact':
      for (let i = step.rows.length - 1; i >= 0; i--) {
        await expect(updateExact(sh, step.rows[i] as Cell[], step.before[i] as Cell[], 'all'), 1);
      }
      return;
    case 'unDelete':
      if (step.rows.length > 0)
        await expect(insertValues(sh, reversed(step.rows)), step.rows.length);
      return;
  }
}
