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
import type { Batch } from './batches.js';
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

type Method = 'copy' | 'restore' | 'values' | 'update' | 'delete';
type WriteAction = Exclude<Action, { op: 'unresolved' }>;

function methodOf(t: BatchTarget, a: WriteAction): Method {
  if (a.op === 'copy') return 'restore';
  if (a.op !== 'insert') return a.op;
  return a.copyOf === 'backup' && t.copyFrom !== null && t.shape.key.length > 0 ? 'copy' : 'values';
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
    let actions = batch.actions as WriteAction[];
    if (t.live && t.shape.key.length > 0) {
      const f = await liveFilter(t, t.live, actions, batch.first);
      actions = f.apply;
      deferred.push(...f.deferred);
    }
    const defer = t.live ? keylessDeferral(batch, deferred) : null;
    for (const [method, run] of runsOf(t, actions)) {
      if (method === 'restore') {
        const r = await restoreRun(s, t.shape, t.restore, t.check, run as CopyAction[], seq);
        steps.push(r.step);
        out.copied += r.rows;
        continue;
      }
      const { step, span } = await applyRun(t, method, run, seq, defer);
      steps.push(step);
      if (span) out.copySpans++;
      const n = stepRows(step);
      if (method === 'copy') out.copied += n;
      else if (method === 'values') out.inserted += n;
      else if (method === 'update') out.updated += n;
      else out.deleted += n;
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
function runsOf(t: BatchTarget, actions: readonly WriteAction[]): [Method, WriteAction[]][] {
  const runs: [Method, WriteAction[]][] = [];
  for (const a of actions) {
    const m = methodOf(t, a);
    const last = runs[runs.length - 1];
    if (last && last[0] === m) last[1].push(a);
    else runs.push([m, [a]]);
  }
  return runs;
}

async function applyRun(
  t: BatchTarget,
  method: Exclude<Method, 'restore'>,
  run: WriteAction[],
  seq: number,
  defer: Deferral | null,
): Promise<{ step: UndoStep; span: boolean }> {
  if (method === 'copy') return copyRun(t, run, seq);
  return { step: await writeRun(t, method, run, seq, defer), span: false };
}

/**
 * Restored rows copied server-side. Keys that run consecutively are selected as ranges; keys
 * listed one by one are, when the backup holds nothing else between the smallest and largest of
 * them (checked in the same transaction), selected by that one span: a range scan instead of a
 * lookup per key. Either way exactly the planned rows are copied, and the undo lists exactly
 * their keys.
 */
async function copyRun(
  t: BatchTarget,
  run: WriteAction[],
  seq: number,
): Promise<{ step: UndoStep; span: boolean }> {
  const sh = t.shape;
  const from = t.copyFrom as string;
  const keys = compactKeys(
    sh,
    run.map((a, i) =>
      keyCells(
        sh,
        (a as Extract<Action, { op: 'insert' }>).key,
        `${sh.name} action ${i + 1} of batch ${seq}`,
      ),
    ),
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
  return { step: { op: 'unInsert', keys: keys.keys, ranges: keys.ranges }, span: span !== null };
}

async function writeRun(
  t: BatchTarget,
  method: Exclude<Method, 'copy' | 'restore'>,
  run: WriteAction[],
  seq: number,
  defer: Deferral | null,
): Promise<UndoStep> {
  const sh = t.shape;
  const keyed = sh.key.length > 0;
  const what = (i: number): string => `${sh.name} action ${i + 1} of batch ${seq}`;
  switch (method) {
    case 'values': {
      const rows = run.map((a, i) =>
        rowCells(sh, (a as Extract<Action, { op: 'insert' }>).row, what(i)),
      );
      const r = await exec(t, insertValues(sh, rows));
      if (r !== rows.length) throw new Error(`${sh.name}: inserted ${r} of ${rows.length} rows`);
      if (!keyed) return { op: 'unInsertExact', rows };
      const keys = compactKeys(
        sh,
        run.map((a, i) => keyCells(sh, (a as Extract<Action, { op: 'insert' }>).row, what(i))),
      );
      return { op: 'unInsert', keys: keys.keys, ranges: keys.ranges };
    }
    case 'update': {
      const acts = run as Extract<Action, { op: 'update' }>[];
      const next = acts.map((a, i) => rowCells(sh, a.row, what(i)));
      if (!keyed) {
        const before = acts.map((a, i) => rowCells(sh, a.before, what(i)));
        const done: number[] = [];
        for (let i = 0; i < acts.length; i++) {
          const a = must(acts[i], 'update of the run');
          const r = await exec(
            t,
            updateExact(sh, must(before[i], 'before'), must(next[i], 'row'), a.columns),
          );
          if (r === 1) done.push(i);
          else if (defer) defer(a, i);
          else throw changed(sh, a, seq);
        }
        return {
          op: 'unUpdateExact',
          rows: done.map((i) => must(next[i], 'row')),
          before: done.map((i) => must(before[i], 'before')),
        };
      }
      const keys = acts.map((a, i) => keyCells(sh, a.key, what(i)));
      const before = await lockBefores(t, acts, keys, seq);
      for (let i = 0; i < acts.length; i++) {
        const a = acts[i] as Extract<Action, { op: 'update' }>;
        const r = await exec(t, updateByKey(sh, keys[i] as Cell[], next[i] as Cell[], a.columns));
        if (r !== 1) throw changed(sh, acts[i] as RowAction, seq);
      }
      return {
        op: 'unUpdate',
        at: acts.map((a, i) => keyCells(sh, a.row, what(i))),
        before,
      };
    }
    case 'delete': {
      const acts = run as Extract<Action, { op: 'delete' }>[];
      if (!keyed) {
        const before = acts.map((a, i) => rowCells(sh, a.before, what(i)));
        const missing = await deleteRowsExact(t.session, sh, before);
        const first = missing[0];
        if (first !== undefined && !defer) throw changed(sh, must(acts[first], 'delete'), seq);
        for (const i of missing) defer?.(must(acts[i], 'delete'), i);
        const gone = new Set(missing);
        return { op: 'unDelete', rows: before.filter((_, i) => !gone.has(i)) };
      }
      const keys = acts.map((a, i) => keyCells(sh, a.key, what(i)));
      const before = await lockBefores(t, acts, keys, seq);
      const r = await exec(t, deleteByKeys(sh, compactKeys(sh, keys)));
      if (r !== keys.length)
        throw new Error(`${sh.name}: deleted ${r} of ${keys.length} locked rows`);
      return { op: 'unDelete', rows: before };
    }
  }
}

/**
 * Reads and locks the rows at `keys` and checks each is the row the plan saw. Returns their
 * cells (the undo images), in action order.
 */
async function lockBefores(
  t: BatchTarget,
  acts: readonly Extract<Action, { op: 'update' | 'delete' }>[],
  keys: readonly Cell[][],
  seq: number,
): Promise<Cell[][]> {
  const sh = t.shape;
  const read = readColumns(sh);
  const keyPos = sh.key.map((k) => read.indexOf(k));
  const stored = sh.columns.length;
  const found = new Map<string, RawRow>();
  const q = selectForUpdate(sh, keys);
  for (const row of await t.session.rawRows(q.sql, q.params)) {
    found.set(keyString(keyPos.map((p) => row[p] ?? null)), row);
  }
  const out: Cell[][] = [];
  for (let i = 0; i < acts.length; i++) {
    const a = acts[i] as Extract<Action, { op: 'update' | 'delete' }>;
    const key = keys[i] as Cell[];
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
