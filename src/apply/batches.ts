import { PreconditionError } from '../errors.js';
import type { Action, Cell, Row } from '../plan/format.js';
import type { Phase } from './journal.js';

/**
 * A run of consecutive actions of one table, applied in one transaction together with its
 * journal row. Its position in the table's action file, [first, end), is what the journal
 * records and what a resumed run skips.
 */
export interface Batch {
  readonly table: string;
  readonly phase: Phase;
  readonly first: number;
  readonly end: number;
  readonly actions: readonly Action[];
}

export interface BatchLimits {
  /** actions per batch */
  readonly rows: number;
  /** approximate bytes of row data per batch (statements and undo images stay well under max_allowed_packet) */
  readonly bytes: number;
}

export const DEFAULT_LIMITS: BatchLimits = { rows: 2000, bytes: 4 << 20 };

/**
 * Cuts a table's actions into batches for one phase. A plan lists a table's deletes first:
 * the delete phase (children before parents) takes that leading run of deletes, the write
 * phase (parents before children) everything after it, in file order. Actions before `from`
 * were applied by an earlier, interrupted run and are skipped.
 */
export async function* tableBatches(
  actions: AsyncIterable<Action>,
  table: string,
  phase: Phase,
  from: number,
  limits: BatchLimits,
): AsyncGenerator<Batch> {
  let index = 0;
  let leading = true;
  let batch: Action[] = [];
  let first = 0;
  let bytes = 0;
  for await (const a of actions) {
    const i = index++;
    if (leading && a.op !== 'delete') leading = false;
    if (phase === 'delete' && !leading) break;
    if (phase === 'write' && leading) continue;
    if (i < from) continue;
    if (a.op === 'unresolved') {
      throw new PreconditionError(
        `${table}: action ${i + 1} is unresolved (${a.reason}): decide it in the config and make the plan again`,
      );
    }
    const size = actionBytes(a);
    if (batch.length > 0 && (batch.length >= limits.rows || bytes + size > limits.bytes)) {
      yield { table, phase, first, end: i, actions: batch };
      batch = [];
      bytes = 0;
    }
    if (batch.length === 0) first = i;
    batch.push(a);
    bytes += size;
  }
  if (batch.length > 0) yield { table, phase, first, end: first + batch.length, actions: batch };
}

/** A cheap estimate of an action's row data in bytes (what its statements and undo carry). */
export function actionBytes(a: Action): number {
  switch (a.op) {
    case 'insert':
      return rowBytes(a.row) + rowBytes(a.key);
    case 'update':
      return rowBytes(a.row) + rowBytes(a.before) + rowBytes(a.key);
    case 'delete':
      return rowBytes(a.before) + rowBytes(a.key);
    default:
      return 0;
  }
}

function rowBytes(r: Row): number {
  let n = 0;
  for (const k in r) n += cellBytes(r[k] ?? null) + 8;
  return n;
}

function cellBytes(c: Cell): number {
  if (c === null) return 1;
  return typeof c === 'string' ? c.length * 2 : c.hex.length;
}
