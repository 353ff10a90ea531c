import { cellFromRaw, rawFromCell } from '../cell/cell-codec.js';
import type { Cell, Row } from '../cell/cells.js';
import { mib } from '../db/mysql.js';
import type { RawRow, Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { asFault, FaultError } from '../faults.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { hex64 } from '../hash/xxhash.js';
import { must } from '../must.js';
import type { Action, RowAction } from '../plan/format.js';
import {
  compactKeys,
  deleteByKeys,
  insertSelect,
  insertSelectSpan,
  insertValues,
  keyCells,
  keySpan,
  readColumns,
  rowCells,
  type Statement,
  selectForUpdate,
  selectOneForUpdate,
  spanCheck,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import type { Batch, WriteAction } from './batches.js';
import { journalBatch } from './journal.js';
import { deleteRowsExact } from './keyless-delete.js';
import { type Deferred, type LiveTable, liveFilter } from './live-rows.js';
import { type CopyAction, type CopyCheck, type RestoreSource, restoreRun } from './restore-run.js';
import { pausePoint } from './test-pause.js';
import { stepRows, type UndoRecord, type UndoStep } from './undo.js';

/** What one batch writes to: a table, on the writer's session. */
export interface BatchTarget {
  readonly session: Session;
  readonly shape: TableShape;
  readonly hasher: DigestRowHasher;
  /** the backup schema to copy `copyOf: 'backup'` rows from server-side, or null */
  readonly copyFrom: string | null;
  /** where `copy` actions take their rows (null: the backup cannot be read from here) */
  readonly restore: RestoreSource | null;
  /** how `copy` actions check what they copied */
  readonly check: CopyCheck;
  /** `apply --live`: rows checked one by one, changed ones deferred (null: strict) */
  readonly live: LiveTable | null;
}

export interface BatchOutcome {
  readonly copied: number;
  /** server-side copies made by one range scan over a span of non-consecutive keys */
  readonly copySpans: number;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  /** actions a live run left for later (the rows changed since the plan) */
  readonly deferred: readonly Deferred[];
}

type InsertAction = Extract<Action, { op: 'insert' }>;
type UpdateAction = Extract<Action, { op: 'update' }>;
type DeleteAction = Extract<Action, { op: 'delete' }>;

/**
 * A run of consecutive actions of a batch applied the same way: restored from the backup
 * (copy actions), copied server-side from the backup schema, inserted from values, updated,
 * deleted.
 */
type Run =
  | { readonly method: 'restore'; readonly actions: CopyAction[] }
  | { readonly method: 'copy'; readonly from: string; readonly actions: InsertAction[] }
  | { readonly method: 'values'; readonly actions: InsertAction[] }
  | { readonly method: 'update'; readonly actions: UpdateAction[] }
  | { readonly method: 'delete'; readonly actions: DeleteAction[] };

/** What a run wrote: its undo step, its rows, and whether it copied a span of keys at once. */
interface RunOutcome {
  readonly step: UndoStep;
  readonly rows: number;
  readonly span: boolean;
}

/**
 * Applies one batch and records it in the journal, in one transaction: after a crash at any
 * instant the table holds either the batch and its journal row, or neither. Consecutive actions
 * of one kind run as one statement where SQL allows (inserts, deletes); updates run row by row.
 * Rows to update or delete are read and locked first: they are the undo images, and each must
 * still be the row the plan saw (its hash), else the batch is rolled back and apply refuses.
 */
export async function applyBatch(
  t: BatchTarget,
  batch: Batch,
  journal: { readonly schema: string; readonly planId: string },
  seq: number,
): Promise<BatchOutcome> {
  const s = t.session;
  const out = { copied: 0, copySpans: 0, inserted: 0, updated: 0, deleted: 0 };
  const steps: UndoStep[] = [];
  const deferred: Deferred[] = [];
  let committing = false;
  try {
    await s.execute('START TRANSACTION');
    let actions = batch.actions;
    if (t.live && t.shape.key.length > 0) {
      const f = await liveFilter(t, t.live, actions, batch.first);
      actions = f.apply;
      deferred.push(...f.deferred);
    }
    const defer = t.live ? keylessDeferral(batch, deferred) : null;
    for (const run of runsOf(t, actions)) {
      const r = await applyRun(t, run, seq, defer);
      steps.push(r.step);
      if (r.span) out.copySpans++;
      if (run.method === 'restore' || run.method === 'copy') out.copied += r.rows;
      else if (run.method === 'values') out.inserted += r.rows;
      else if (run.method === 'update') out.updated += r.rows;
      else out.deleted += r.rows;
    }
    const undo: UndoRecord = {
      table: t.shape.name,
      columns: t.shape.columns.map((c) => c.name),
      key: t.shape.key.map((c) => c.name),
      steps,
      ...(t.live ? { deferred } : {}),
    };
    await journalBatch(
      s,
      journal.schema,
      journal.planId,
      {
        ...batch,
        seq,
        rows: steps.reduce((n, step) => n + stepRows(step), 0),
      },
      undo,
    );
    await pausePoint(`commit:${seq}`);
    committing = true;
    await s.execute('COMMIT');
  } catch (e) {
    await s.execute('ROLLBACK').catch(() => undefined);
    const fault = asFault(e, {
      table: `${t.shape.schema}.${t.shape.name}`,
      batch: { seq, committing },
    });
    const row = bigRow(batch);
    if (row && fault instanceof FaultError && fault.fault.reason === 'packet-too-large') {
      throw fault.within({ what: `${fault.context.what ?? fault.fault.what} (for ${row})` });
    }
    throw fault;
  }
  return { ...out, deferred };
}

/** Where a keyless table's writer records a row it did not find (live runs only). */
type Deferral = (a: WriteAction, i: number) => void;

/**
 * In a live run, a keyless update or delete that finds no row equal to the plan's is deferred
 * instead of refusing the batch: such rows cannot be locked by key beforehand.
 */
function keylessDeferral(batch: Batch, out: Deferred[]): Deferral {
  const index = new Map(batch.actions.map((a, i) => [a, batch.first + i]));
  return (a, i) => {
    const row = a.op === 'update' || a.op === 'delete' ? a.before : {};
    out.push({
      index: index.get(a) ?? batch.first + i,
      op: a.op,
      key: row,
      to: null,
      reason: 'gone',
      wanted: a.op === 'delete' ? 'delete one row equal to this' : 'update one row equal to this',
      now: null,
    });
  };
}

/** Splits a batch into runs of consecutive actions applied the same way. */
function runsOf(t: BatchTarget, actions: readonly WriteAction[]): Run[] {
  const runs: Run[] = [];
  for (const a of actions) {
    const one = runOf(t, a);
    const last = runs[runs.length - 1];
    if (!last || !joined(last, one)) runs.push(one);
  }
  return runs;
}

/** The run of one action: how it is applied. */
function runOf(t: BatchTarget, a: WriteAction): Run {
  switch (a.op) {
    case 'copy':
      return { method: 'restore', actions: [a] };
    case 'update':
      return { method: 'update', actions: [a] };
    case 'delete':
      return { method: 'delete', actions: [a] };
    case 'insert': {
      // Restored rows are copied server-side where the backup schema is readable and the
      // table has a key to select them by; else they travel as values.
      const from = a.copyOf === 'backup' && t.shape.key.length > 0 ? t.copyFrom : null;
      return from === null
        ? { method: 'values', actions: [a] }
        : { method: 'copy', from, actions: [a] };
    }
  }
}

/** Appends `next`'s actions to `run` when both are applied the same way (else false). */
function joined(run: Run, next: Run): boolean {
  if (run.method === 'restore' && next.method === 'restore') run.actions.push(...next.actions);
  else if (run.method === 'copy' && next.method === 'copy') run.actions.push(...next.actions);
  else if (run.method === 'values' && next.method === 'values') run.actions.push(...next.actions);
  else if (run.method === 'update' && next.method === 'update') run.actions.push(...next.actions);
  else if (run.method === 'delete' && next.method === 'delete') run.actions.push(...next.actions);
  else return false;
  return true;
}

/** What a run's statements need: the target, the batch, where a keyless miss is deferred. */
interface RunContext {
  readonly t: BatchTarget;
  readonly sh: TableShape;
  readonly seq: number;
  readonly defer: Deferral | null;
  /** names action `i` of the run in an error about its row or key */
  readonly what: (i: number) => string;
}

async function applyRun(
  t: BatchTarget,
  run: Run,
  seq: number,
  defer: Deferral | null,
): Promise<RunOutcome> {
  if (run.method === 'restore') {
    const r = await restoreRun(t.session, t.shape, t.restore, t.check, run.actions, seq);
    return { step: r.step, rows: r.rows, span: false };
  }
  const sh = t.shape;
  const c: RunContext = {
    t,
    sh,
    seq,
    defer,
    what: (i) => `${sh.name} action ${i + 1} of batch ${seq}`,
  };
  if (run.method === 'copy') return copyRun(c, run.from, run.actions);
  let step: UndoStep;
  if (run.method === 'values') step = await insertRun(c, run.actions);
  else if (run.method === 'update') step = await updateRun(c, run.actions);
  else step = await deleteRun(c, run.actions);
  return { step, rows: stepRows(step), span: false };
}

/**
 * Restored rows copied server-side. Keys that run consecutively are selected as ranges; keys
 * listed one by one are, when the backup holds nothing else between the smallest and largest of
 * them (checked in the same transaction), selected by that one span: a range scan instead of a
 * lookup per key. Either way exactly the planned rows are copied, and the undo lists exactly
 * their keys.
 */
async function copyRun(
  c: RunContext,
  from: string,
  run: readonly InsertAction[],
): Promise<RunOutcome> {
  const { t, sh, seq } = c;
  const keys = compactKeys(
    sh,
    run.map((a, i) => keyCells(sh, a.key, c.what(i))),
  );
  const n = run.length;
  let span = keySpan(sh, keys);
  if (span) {
    const check = spanCheck(sh, from, keys, span);
    const got = await t.session.rawRows(check.sql, check.params);
    const [count, hits] = (got[0] ?? []).map((v) => (v === null ? '' : v.toString('latin1')));
    if (count !== String(n) || hits !== String(n)) span = null;
  }
  const r = await exec(t, span ? insertSelectSpan(sh, from, span) : insertSelect(sh, from, keys));
  if (r !== n) {
    throw new PreconditionError(
      'backup-changed',
      `${from}.${sh.name}: ${n - r} of the ${n} rows batch ${seq} restores are not in the backup: the backup changed since the plan (batch rolled back)`,
      { table: `${sh.schema}.${sh.name}`, batch: seq },
    );
  }
  const step: UndoStep = { op: 'unInsert', keys: keys.keys, ranges: keys.ranges };
  return { step, rows: stepRows(step), span: span !== null };
}

/** Inserts from the plan's values, as one multi-row statement. */
async function insertRun(c: RunContext, run: readonly InsertAction[]): Promise<UndoStep> {
  const { t, sh, what } = c;
  const rows = run.map((a, i) => rowCells(sh, a.row, what(i)));
  const r = await exec(t, insertValues(sh, rows));
  if (r !== rows.length) throw new Error(`${sh.name}: inserted ${r} of ${rows.length} rows`);
  if (sh.key.length === 0) return { op: 'unInsertExact', rows };
  const keys = compactKeys(
    sh,
    run.map((a, i) => keyCells(sh, a.row, what(i))),
  );
  return { op: 'unInsert', keys: keys.keys, ranges: keys.ranges };
}

/**
 * Updates row by row: by key after locking and checking each row (its image is the undo), or,
 * in a keyless table, the one row equal to the plan's before image.
 */
async function updateRun(c: RunContext, acts: readonly UpdateAction[]): Promise<UndoStep> {
  const { t, sh, seq, what } = c;
  if (sh.key.length === 0) return updateRowsExact(c, acts);
  const next = acts.map((a, i) => rowCells(sh, a.row, what(i)));
  const rows = acts.map((a, i) => ({ a, key: keyCells(sh, a.key, what(i)) }));
  const before = await lockBefores(t, rows, seq);
  for (const [i, { a, key }] of rows.entries()) {
    const r = await exec(t, updateByKey(sh, key, must(next[i], 'row of the update'), a.columns));
    if (r !== 1) throw changed(sh, a, seq);
  }
  return {
    op: 'unUpdate',
    at: acts.map((a, i) => keyCells(sh, a.row, what(i))),
    before,
  };
}

/** A keyless table's updates: each changes the one row equal to the plan's before image. */
async function updateRowsExact(c: RunContext, acts: readonly UpdateAction[]): Promise<UndoStep> {
  const { t, sh, seq, defer, what } = c;
  const next = acts.map((a, i) => rowCells(sh, a.row, what(i)));
  const rows = acts.map((a, i) => ({ a, before: rowCells(sh, a.before, what(i)) }));
  const done: { next: Cell[]; before: Cell[] }[] = [];
  for (const [i, { a, before }] of rows.entries()) {
    const row = must(next[i], 'row of the update');
    const r = await exec(t, updateExact(sh, before, row, a.columns));
    if (r === 1) done.push({ next: row, before });
    else if (defer) defer(a, i);
    else throw changed(sh, a, seq);
  }
  return {
    op: 'unUpdateExact',
    rows: done.map((d) => d.next),
    before: done.map((d) => d.before),
  };
}

/**
 * Deletes by key, in one statement, after locking and checking each row (its image is the
 * undo); in a keyless table, one row equal to each before image.
 */
async function deleteRun(c: RunContext, acts: readonly DeleteAction[]): Promise<UndoStep> {
  const { t, sh, seq, defer, what } = c;
  if (sh.key.length === 0) {
    const before = acts.map((a, i) => rowCells(sh, a.before, what(i)));
    const missing = await deleteRowsExact(t.session, sh, before);
    const first = missing[0];
    if (first !== undefined && !defer) throw changed(sh, must(acts[first], 'delete'), seq);
    for (const i of missing) defer?.(must(acts[i], 'delete'), i);
    const gone = new Set(missing);
    return { op: 'unDelete', rows: before.filter((_, i) => !gone.has(i)) };
  }
  const rows = acts.map((a, i) => ({ a, key: keyCells(sh, a.key, what(i)) }));
  const before = await lockBefores(t, rows, seq);
  const r = await exec(
    t,
    deleteByKeys(
      sh,
      compactKeys(
        sh,
        rows.map((x) => x.key),
      ),
    ),
  );
  if (r !== rows.length) throw new Error(`${sh.name}: deleted ${r} of ${rows.length} locked rows`);
  return { op: 'unDelete', rows: before };
}

/**
 * Reads and locks the rows at the actions' keys and checks each is the row the plan saw.
 * Returns their cells (the undo images), in action order.
 */
async function lockBefores(
  t: BatchTarget,
  rows: readonly { readonly a: UpdateAction | DeleteAction; readonly key: Cell[] }[],
  seq: number,
): Promise<Cell[][]> {
  const sh = t.shape;
  const read = readColumns(sh);
  const keyPos = sh.key.map((k) => read.indexOf(k));
  const stored = sh.columns.length;
  const found = new Map<string, RawRow>();
  const q = selectForUpdate(
    sh,
    rows.map((x) => x.key),
  );
  for (const row of await t.session.rawRows(q.sql, q.params)) {
    found.set(keyString(keyPos.map((p) => row[p] ?? null)), row);
  }
  const out: Cell[][] = [];
  for (const { a, key } of rows) {
    let row = found.get(keyString(key.map(rawFromCell)));
    if (!row) {
      // The stored key's bytes may differ from the plan's under a case-insensitive collation.
      const one = selectOneForUpdate(sh, key);
      row = (await t.session.rawRows(one.sql, one.params))[0];
    }
    if (!row) throw changed(sh, a, seq);
    const image = row.length > stored ? row.slice(0, stored) : row;
    if (hex64(t.hasher.hash(image)) !== a.beforeHash) throw changed(sh, a, seq);
    out.push(sh.columns.map((c, j) => cellFromRaw(c.family, row[j] ?? null)));
  }
  return out;
}

function keyString(values: readonly (Buffer | null)[]): string {
  return values.map((v) => (v === null ? '-' : v.toString('hex'))).join(',');
}

function changed(sh: TableShape, a: RowAction, seq: number): PreconditionError {
  return new PreconditionError(
    'row-changed',
    `${sh.schema}.${sh.name}: the row at ${JSON.stringify(a.key)} is not the row the plan expects (changed since the plan was made); batch ${seq} rolled back, nothing of it written`,
    { table: `${sh.schema}.${sh.name}`, batch: seq },
  );
}

async function exec(t: BatchTarget, st: Statement): Promise<number> {
  return (await t.session.execute(st.sql, st.params)).affectedRows;
}

/**
 * For a batch too large for the server's max_allowed_packet: its largest row, so the line can
 * say "a 20 MiB row of shop.files". Null when no row is large (the statement is, by its count).
 */
function bigRow(batch: Batch): string | null {
  let max = 0;
  for (const a of batch.actions) {
    if (a.op === 'insert' || a.op === 'update') max = Math.max(max, rowBytes(a.row));
    if (a.op === 'update' || a.op === 'delete') max = Math.max(max, rowBytes(a.before));
  }
  return max >= 1 << 20 ? `a ${mib(max)} row` : null;
}

/** A row's size as stored: text as UTF-8, bytes as bytes. */
function rowBytes(row: Row): number {
  let n = 0;
  for (const k in row) {
    const c = row[k] ?? null;
    if (c !== null) n += typeof c === 'string' ? Buffer.byteLength(c) : c.hex.length / 2;
  }
  return n;
}
