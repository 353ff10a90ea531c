import type { Cell, Row } from '../cell/cells.js';
import { PreconditionError } from '../errors.js';
import type { Action } from '../plan/format.js';
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
  readonly actions: readonly WriteAction[];
}

/** An action that writes: every kind but an unresolved one (a batch never holds those). */
export type WriteAction = Exclude<Action, { op: 'unresolved' }>;

export interface BatchLimits {
  /**
   * actions per batch; rows copied server-side (INSERT … SELECT) count for 1/COPY_SHARE of one,
   * since only their keys travel and the journal only keeps their keys
   */
  readonly rows: number;
  /** approximate bytes of row data per batch (statements and undo images stay well under max_allowed_packet) */
  readonly bytes: number;
}

export const DEFAULT_LIMITS: BatchLimits = { rows: 2000, bytes: 4 << 20 };

/** How many server-side copies make up one row of a batch's `rows` limit. */
export const COPY_SHARE = 5;

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
  /** whether this table's `copyOf: 'backup'` inserts are copied server-side */
  copies = false,
  /** a dry run lists what it can: unresolved actions are passed over instead of refused */
  skipUnresolved = false,
  /** the target's schema, to name the table (`schema.table`) in a refusal */
  schema?: string,
): AsyncGenerator<Batch> {
  let index = 0;
  let leading = true;
  let batch: WriteAction[] = [];
  let first = 0;
  let bytes = 0;
  let weight = 0;
  for await (const a of actions) {
    const i = index++;
    if (leading && a.op !== 'delete') leading = false;
    if (phase === 'delete' && !leading) break;
    if (phase === 'write' && leading) continue;
    if (i < from) continue;
    if (a.op === 'unresolved' && skipUnresolved) continue;
    if (a.op === 'unresolved') {
      throw new PreconditionError(
        'unresolved',
        `${table}: action ${i + 1} is unresolved (${a.reason}): decide it in the config and make the plan again`,
        { table: schema === undefined ? undefined : `${schema}.${table}` },
      );
    }
    const copied = copies && a.op === 'insert' && a.copyOf === 'backup';
    const size = copied ? keyBytes(a) : actionBytes(a);
    // A copy action's rows count as copies (only its keys are in the statement and the undo).
    const w = a.op === 'copy' ? a.count : copied ? 1 : COPY_SHARE;
    if (
      batch.length > 0 &&
      (weight + w > limits.rows * COPY_SHARE || bytes + size > limits.bytes)
    ) {
      yield { table, phase, first, end: i, actions: batch };
      batch = [];
      bytes = 0;
      weight = 0;
    }
    if (batch.length === 0) first = i;
    batch.push(a);
    bytes += size;
    weight += w;
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
    case 'copy':
      return a.keys.reduce((n, k) => n + rowBytes(k), 0) + 40 * a.ranges.length;
    default:
      return 0;
  }
}

function keyBytes(a: Extract<Action, { op: 'insert' }>): number {
  return rowBytes(a.key);
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

/**
 * Reads one item ahead: while the caller waits on the server with one batch, the next is read
 * and parsed from the plan file (on a 2-core box this overlaps the client's JSON parsing with
 * the server's writes).
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  // Kept handled while it waits unawaited; its failure is still rethrown by the await below.
  next.catch(() => undefined);
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      next.catch(() => undefined);
      yield r.value;
    }
  } finally {
    await it.return?.(undefined);
  }
}
