import type { Cell } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { asFault } from '../faults.js';
import { insertValues, type TableShape } from '../sql/statements.js';
import { deleteJournalRow, readUndo } from './journal.js';
import { deleteRowsExact } from './keyless-delete.js';
import type { UndoRecord } from './undo.js';

/** Rows undone together at most: the deletes' IN list and the rows held in memory stay small. */
export const KEYLESS_UNDO_ROWS = 50_000;
const INSERT_ROWS = 500;

/**
 * Undoes several journaled batches of one table without a key in one transaction, with one
 * scan of the table for all their restored rows (keyless-delete.ts) instead of one per batch:
 * a rollback of N rows then costs about one pass over the table, however large N is.
 * For a multiset the order does not matter: the rows the batches inserted are all there to be
 * deleted, and the rows they deleted go back. Each batch's journal row goes in the same
 * transaction, so a crash leaves all of them applied and journaled, or all undone.
 * Returns null (nothing done) when a record holds anything else than inserts and deletes of
 * whole rows (an update): the caller then undoes batch by batch.
 */
export async function undoKeylessRun(
  s: Session,
  shape: TableShape,
  journal: { readonly schema: string; readonly planId: string },
  seqs: readonly number[],
): Promise<number | null> {
  const records: UndoRecord[] = [];
  for (const seq of seqs) records.push(await readUndo(s, journal.schema, journal.planId, seq));
  const cols = shape.columns.map((c) => c.name).join('\u0000');
  const fits = records.every(
    (r) =>
      r.table === shape.name &&
      r.columns.join('\u0000') === cols &&
      r.steps.every((st) => st.op === 'unInsertExact' || st.op === 'unDelete'),
  );
  if (!fits) return null;
  const inserted: Cell[][] = [];
  const deleted: Cell[][] = [];
  for (const r of records) {
    for (const st of r.steps) {
      if (st.op === 'unInsertExact') inserted.push(...st.rows);
      else if (st.op === 'unDelete') deleted.push(...st.rows);
    }
  }
  const table = `${shape.schema}.${shape.name}`;
  const first = seqs[0] ?? 0;
  let committing = false;
  try {
    await s.execute('START TRANSACTION');
    const missing = await deleteRowsExact(s, shape, inserted);
    if (missing.length > 0) {
      throw new PreconditionError(
        'journal-mismatch',
        `${table}: undoing batches ${seqs.join(', ')} found ${inserted.length - missing.length} of the ${inserted.length} rows they inserted: the table changed since the apply (undo rolled back)`,
        { table, batch: first },
      );
    }
    for (let i = 0; i < deleted.length; i += INSERT_ROWS) {
      const st = insertValues(shape, deleted.slice(i, i + INSERT_ROWS));
      await s.execute(st.sql, st.params);
    }
    for (const seq of seqs) await deleteJournalRow(s, journal.schema, journal.planId, seq);
    committing = true;
    await s.execute('COMMIT');
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    throw asFault(e, { table, batch: { seq: first, undo: true, committing } });
  }
  return inserted.length + deleted.length;
}
