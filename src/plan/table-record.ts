import type { FreshIds } from './fresh-ids.js';
import type { DiffedTable } from './plan-diff.js';
import type { TableModel } from './table-model.js';
import type { TargetState } from './target-base.js';

/** A planned table once its shape, policy and references are known, and the target read. */
export interface ModeledTable {
  readonly model: TableModel;
  /** which side's rows the target holds, and its digest before */
  readonly state: TargetState;
}

/**
 * One table through the plan stage: everything the passes before its own planning learned of
 * it (see README.md). Built once, after the fresh-id pass; planning a table reads only its
 * record, the remap book and its parents' records.
 */
export interface TableRecord extends ModeledTable {
  readonly name: string;
  /** its place in write order (parents first), from 0 */
  readonly position: number;
  /** its actions file, relative to the plan folder */
  readonly file: string;
  /** what the diff left: differing rows spooled to disk, identical rows counted */
  readonly diff: DiffedTable;
  /** the fresh ids handed out to its colliding rows, or null */
  readonly fresh: FreshIds | null;
}
