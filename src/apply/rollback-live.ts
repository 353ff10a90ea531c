/**
 * `rollback --execute --live`: undoes what this plan's journal wrote, row by row, on a target
 * the application kept writing. A row the apply wrote and the application changed since (or
 * deleted, or a key it since took) is not undone: undoing it would overwrite the application's
 * write. It is kept, and listed (the report, and rollback-kept.jsonl in the plan folder).
 *
 * What the apply wrote, row by row: for an insert or an update, the action's row (its hash);
 * for a restored row (copied from the backup), the backup's row at that key, read from the
 * backup (on the target's server, or its own). Each batch's undo is one transaction with the
 * removal of its journal row, as in a strict rollback: a killed rollback can be run again.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cellFromRaw, rawFromCell } from '../cell/cell-codec.js';
import type { Cell, Row } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { RawRow, Session } from '../db/types.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { hex64 } from '../hash/xxhash.js';
import type { Action } from '../plan/format.js';
import { readActions } from '../plan/plan-files.js';
import {
  deleteByKeys,
  insertValues,
  type KeySet,
  keyCells,
  keySetCondition,
  type Statement,
  selectForUpdate,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import { type JournalBatch, readUndo } from './journal.js';
import { deleteRowsExact } from './keyless-delete.js';
import { undoInTransaction } from './run-undo.js';
import type { UndoStep } from './undo.js';

export const KEPT_FILE = 'rollback-kept.jsonl';

/** A row a live rollback left as the application has it. */
export interface KeptRow {
  readonly table: string;
  /** the journal batch that wrote it */
  readonly batch: number;
  /** what the apply did to it */
  readonly op: 'insert' | 'update' | 'delete';
  readonly key: Row;
  /** changed: not the row the apply wrote; gone: no row there now; taken: a row holds its key */
  readonly reason: 'changed' | 'gone' | 'taken';
}

/** Where a live rollback reads what the apply wrote. */
export interface LiveUndoContext {
  readonly dir: string;
  readonly planFile: string;
  readonly hasher: DigestRowHasher;
  /** the backup's rows, for rows restored from it (null: it cannot be read) */
  readonly backup: { readonly session: Session; readonly schema: string } | null;
}

/** What each key of a batch should hold: an action's row hash, or the backup's row. */
type Expected = { readonly hash: string } | 'backup';

/** Undoes one batch row by row; returns the rows undone and those kept. */
export async function undoBatchLive(
  s: Session,
  sh: TableShape,
  journal: { readonly schema: string; readonly planId: string },
  b: JournalBatch,
  ctx: LiveUndoContext,
): Promise<{ rows: number; kept: KeptRow[] }> {
  const rec = await readUndo(s, journal.schema, journal.planId, b.seq);
  const expected = await expectations(sh, ctx, b);
  const kept: KeptRow[] = [];
  let rows = 0;
  const keep = (op: KeptRow['op'], key: Row, reason: KeptRow['reason']): void => {
    kept.push({ table: sh.name, batch: b.seq, op, key, reason });
  };
  await undoInTransaction(s, sh, journal, b.seq, async () => {
    for (const step of [...rec.steps].reverse()) {
      rows += await undoStepLive(s, sh, step, expected, ctx, keep);
    }
  });
  return { rows, kept };
}

/** The batch's actions, by the key each leaves a row at. */
async function expectations(
  sh: TableShape,
  ctx: LiveUndoContext,
  b: JournalBatch,
): Promise<Map<string, Expected>> {
  const out = new Map<string, Expected>();
  if (sh.key.length === 0) return out;
  let i = 0;
  for await (const a of readActions(ctx.dir, ctx.planFile)) {
    const at = i++;
    if (at < b.first) continue;
    if (at >= b.end) break;
    add(sh, a, out);
  }
  return out;
}

function add(sh: TableShape, a: Action, out: Map<string, Expected>): void {
  if (a.op === 'insert' || a.op === 'update') {
    out.set(keyOf(keyCells(sh, a.row, sh.name)), { hash: a.hash });
  } else if (a.op === 'copy') {
    for (const k of a.keys) out.set(keyOf(keyCells(sh, k, sh.name)), 'backup');
    // Ranges are looked up as 'backup' by default (see expectedAt).
  }
}

function expectedAt(expected: ReadonlyMap<string, Expected>, key: string): Expected {
  return expected.get(key) ?? 'backup';
}

async function undoStepLive(
  s: Session,
  sh: TableShape,
  step: UndoStep,
  expected: ReadonlyMap<string, Expected>,
  ctx: LiveUndoContext,
  keep: (op: KeptRow['op'], key: Row, reason: KeptRow['reason']) => void,
): Promise<number> {
  switch (step.op) {
    case 'unInsert': {
      const set: KeySet = { keys: step.keys, ranges: step.ranges ?? [] };
      const now = await lockedRows(s, sh, set);
      const fromBackup = await backupHashes(sh, ctx, set);
      const undo: Cell[][] = [];
      for (const key of enumerate(set)) {
        const at = keyOf(key);
        const row = now.get(at);
        if (!row) {
          keep('insert', keyRow(sh, key), 'gone');
          continue;
        }
        const want = expectedAt(expected, at);
        const wantHash = want === 'backup' ? fromBackup?.get(at) : want.hash;
        if (wantHash !== hex64(ctx.hasher.hash(row))) keep('insert', keyRow(sh, key), 'changed');
        else undo.push(key);
      }
      if (undo.length > 0) await exec(s, deleteByKeys(sh, { keys: undo, ranges: [] }));
      return undo.length;
    }
    case 'unUpdate': {
      const now = await lockedRows(s, sh, { keys: step.at, ranges: [] });
      let n = 0;
      for (let i = step.at.length - 1; i >= 0; i--) {
        const at = step.at[i] ?? [];
        const before = step.before[i] ?? [];
        const row = now.get(keyOf(at));
        const want = expectedAt(expected, keyOf(at));
        if (!row) keep('update', keyRow(sh, at), 'gone');
        else if (want === 'backup' || want.hash !== hex64(ctx.hasher.hash(row)))
          keep('update', keyRow(sh, at), 'changed');
        else {
          await exec(s, updateByKey(sh, at, before, 'all'));
          n++;
        }
      }
      return n;
    }
    case 'unDelete': {
      if (sh.key.length === 0) {
        if (step.rows.length > 0) await exec(s, insertValues(sh, step.rows));
        return step.rows.length;
      }
      const keyPos = sh.key.map((k) => sh.columns.indexOf(k));
      const keys = step.rows.map((r) => keyPos.map((p) => r[p] ?? null));
      const now = await lockedRows(s, sh, { keys, ranges: [] });
      const back = step.rows.filter((_, i) => {
        const taken = now.has(keyOf(keys[i] ?? []));
        if (taken) keep('delete', keyRow(sh, keys[i] ?? []), 'taken');
        return !taken;
      });
      if (back.length > 0) await exec(s, insertValues(sh, back));
      return back.length;
    }
    case 'unInsertExact': {
      const missing = new Set(await deleteRowsExact(s, sh, step.rows));
      for (const i of missing) keep('insert', rowOfCells(sh, step.rows[i] ?? []), 'changed');
      return step.rows.length - missing.size;
    }
    case 'unUpdateExact': {
      let n = 0;
      for (let i = step.rows.length - 1; i >= 0; i--) {
        const row = step.rows[i] ?? [];
        const r = await exec(s, updateExact(sh, row, step.before[i] ?? [], 'all'));
        if (r === 1) n++;
        else keep('update', rowOfCells(sh, row), 'changed');
      }
      return n;
    }
  }
}

/** The target's rows at a key set, locked, by key. */
async function lockedRows(s: Session, sh: TableShape, set: KeySet): Promise<Map<string, RawRow>> {
  const out = new Map<string, RawRow>();
  const keys = enumerate(set);
  if (keys.length === 0) return out;
  const q = selectForUpdate(sh, keys);
  const keyPos = sh.key.map((k) => sh.columns.indexOf(k));
  for (const row of await s.rawRows(q.sql, q.params)) {
    out.set(
      keyOf(keyPos.map((p) => cellFromRaw(sh.columns[p]?.family ?? 'text', row[p] ?? null))),
      row,
    );
  }
  return out;
}

/** The backup's rows at a key set, hashed as the target's are (null: the backup is not readable). */
async function backupHashes(
  sh: TableShape,
  ctx: LiveUndoContext,
  set: KeySet,
): Promise<Map<string, string> | null> {
  if (!ctx.backup) return null;
  const bsh: TableShape = { ...sh, schema: ctx.backup.schema };
  const where = keySetCondition(bsh, set);
  const cols = sh.columns.map((c) => quoteId(c.name)).join(', ');
  const out = new Map<string, string>();
  const keyPos = sh.key.map((k) => sh.columns.indexOf(k));
  const table = quoteTable(ctx.backup.schema, sh.name);
  for (const row of await ctx.backup.session.rawRows(
    `SELECT ${cols} FROM ${table} WHERE ${where.sql}`,
    where.params,
  )) {
    const key = keyPos.map((p) => cellFromRaw(sh.columns[p]?.family ?? 'text', row[p] ?? null));
    out.set(keyOf(key), hex64(ctx.hasher.hash(row)));
  }
  return out;
}

/** Every key of a set (ranges enumerated: one batch's, at most a few tens of thousands). */
function enumerate(set: KeySet): Cell[][] {
  const out: Cell[][] = [...set.keys];
  for (const [lo, hi] of set.ranges)
    for (let v = BigInt(lo); v <= BigInt(hi); v++) out.push([v.toString()]);
  return out;
}

function keyOf(key: readonly Cell[]): string {
  return key.map((c) => rawFromCell(c)?.toString('hex') ?? '-').join(',');
}

function keyRow(sh: TableShape, cells: readonly Cell[]): Row {
  return Object.fromEntries(sh.key.map((c, i) => [c.name, cells[i] ?? null]));
}

function rowOfCells(sh: TableShape, cells: readonly Cell[]): Row {
  return Object.fromEntries(sh.columns.map((c, i) => [c.name, cells[i] ?? null]));
}

async function exec(s: Session, st: Statement): Promise<number> {
  return (await s.execute(st.sql, st.params)).affectedRows;
}

/** Writes the kept rows to rollback-kept.jsonl in the plan folder (empty when none). */
export async function writeKept(dir: string, kept: readonly KeptRow[]): Promise<void> {
  await writeFile(
    join(dir, KEPT_FILE),
    kept.length > 0 ? `${kept.map((k) => JSON.stringify(k)).join('\n')}\n` : '',
  );
}
