/**
 * The undo half of a journal entry: what a batch changed and the before-images needed to put
 * it back. Stored as JSON in the journal row written in the batch's own transaction, so the
 * journal can never hold a batch the table lacks, or the reverse.
 *
 * Rows and keys are arrays of cells in the order of `columns` / `key`, which the record names,
 * so the journal reads on its own (a DBA can undo a batch by hand from it).
 */
import type { Cell } from '../cell/cells.js';
import type { Deferred } from './live-rows.js';

export type UndoStep =
  /**
   * rows were inserted at these keys, and (a single integer key) at every value of each
   * inclusive range [lo, hi]: delete them
   */
  | { readonly op: 'unInsert'; readonly keys: Cell[][]; readonly ranges?: [string, string][] }
  /** rows were inserted into a table without a key: delete one row equal to each */
  | { readonly op: 'unInsertExact'; readonly rows: Cell[][] }
  /** the row now at key `at[i]` was `before[i]` */
  | { readonly op: 'unUpdate'; readonly at: Cell[][]; readonly before: Cell[][] }
  /** in a table without a key, one row equal to `rows[i]` was `before[i]` */
  | { readonly op: 'unUpdateExact'; readonly rows: Cell[][]; readonly before: Cell[][] }
  /** these rows were deleted: insert them back */
  | { readonly op: 'unDelete'; readonly rows: Cell[][] };

export interface UndoRecord {
  readonly table: string;
  readonly columns: readonly string[];
  readonly key: readonly string[];
  /** in the order they were applied; undo runs them (and their rows) in reverse */
  readonly steps: UndoStep[];
  /** `apply --live`: the batch's actions left unapplied (rows changed since the plan) */
  readonly deferred?: readonly Deferred[];
}

function rangeRows(ranges: readonly [string, string][]): number {
  return ranges.reduce((n, [lo, hi]) => n + Number(BigInt(hi) - BigInt(lo) + 1n), 0);
}

/** How many rows a step touches. */
export function stepRows(step: UndoStep): number {
  switch (step.op) {
    case 'unInsert':
      return step.keys.length + rangeRows(step.ranges ?? []);
    case 'unUpdate':
      return step.at.length;
    default:
      return step.rows.length;
  }
}

/** Rows an undo record touches, by the operation that made them (for a dry-run listing). */
export function undoCounts(rec: UndoRecord): {
  inserted: number;
  updated: number;
  deleted: number;
} {
  const out = { inserted: 0, updated: 0, deleted: 0 };
  for (const s of rec.steps) {
    const n = stepRows(s);
    if (s.op === 'unInsert' || s.op === 'unInsertExact') out.inserted += n;
    else if (s.op === 'unUpdate' || s.op === 'unUpdateExact') out.updated += n;
    else out.deleted += n;
  }
  return out;
}
