/**
 * `apply --live`: each batch checks, in its own transaction, every row it is about to touch
 * against what the plan saw, instead of the whole target's digests. The rows are locked first
 * (SELECT … FOR UPDATE by key: present rows, and the gaps where absent keys would go), so the
 * application cannot change them between the check and the write. An action whose row the
 * application changed since the plan is not applied: it is deferred, with what the plan wanted
 * and what the row holds now, for `plan --refresh` to decide again.
 *
 * Deferred, and why:
 * - `changed`: an update or delete whose row is not the row the plan saw (its before-hash);
 * - `gone`: an update or delete whose row is not there any more;
 * - `taken`: an insert, a restored (copied) row, or a remapped row's new key, where the target
 *   now holds a row (the application inserted one at that key);
 * - `parent-deferred`: a row that references a row whose insert or move was deferred here
 *   (written, it would point at the wrong parent or at none);
 * - `referenced`: a move (a remapped id) of a row that rows the plan does not know reference
 *   (the application added them since the plan): moved, the row would leave them behind, on
 *   the id the backup's row takes.
 * An update that only rewrites reference columns (a row following its moved parent) is not
 * deferred when the application changed other columns of the row: if those columns still hold
 * what the plan saw, they are rewritten over the application's edit, which stays. Deferring it
 * would leave the row on its parent's old id, which becomes another entity's.
 * Rows of a table without a key cannot be looked up: their inserts always go in; an update or
 * delete that finds no row equal to the plan's is deferred (`gone`) by the writer itself.
 */
import { cellFromRaw, paramFromCell, rawFromCell } from '../cell/cell-codec.js';
import type { Cell, Row } from '../cell/cells.js';
import { cellEquals } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { RawRow } from '../db/types.js';
import { DigestAccumulator } from '../hash/digest.js';
import { hex64 } from '../hash/xxhash.js';
import type { Action, ActionOp } from '../plan/format.js';
import {
  type KeySet,
  keyCells,
  keySetCondition,
  selectForUpdate,
  selectOneForUpdate,
  type TableShape,
} from '../sql/statements.js';
import type { WriteAction } from './batches.js';
import { type CopyAction, digestOfSet, type RestoreSource } from './restore-run.js';
import type { BatchTarget } from './run-batch.js';

export type DeferReason = 'changed' | 'gone' | 'taken' | 'parent-deferred' | 'referenced';

/** An action a live run did not apply (journaled with its batch, listed in conflicts.jsonl). */
export interface Deferred {
  /** its index in the table's action file */
  readonly index: number;
  readonly op: ActionOp;
  /** the key the action addresses (a copy action: one key of it) */
  readonly key: Row;
  /** an update that moves the row (a remapped id): the key it would move to */
  readonly to: Row | null;
  readonly reason: DeferReason;
  /** one line: what the plan wanted */
  readonly wanted: string;
  /** what the row holds now (null: no row at the key) */
  readonly now: Row | null;
}

/** A reference a deferral must follow: `column` of a table holds keys of `parent`. */
export interface LiveReference {
  readonly column: string;
  readonly parent: string;
}

/**
 * Keys of rows whose insert or move a live run deferred, per table: a child row referencing one
 * of them is deferred too. Key values as the raw bytes' hex of a single-column key.
 */
export class DeferredParents {
  private readonly byTable = new Map<string, Set<string>>();

  add(table: string, key: Cell): void {
    const set = this.byTable.get(table) ?? new Set<string>();
    set.add(hexOf(key));
    this.byTable.set(table, set);
  }

  has(table: string, value: Cell): boolean {
    return value !== null && (this.byTable.get(table)?.has(hexOf(value)) ?? false);
  }

  /** The deferred keys of `table`, as cells of its single key column (text). */
  values(table: string): Buffer[] {
    return [...(this.byTable.get(table) ?? [])].map((h) => Buffer.from(h, 'hex'));
  }

  /** Remembers what a deferral means for the children of `table` (single-column keys only). */
  record(table: string, sh: TableShape, d: Deferred): void {
    if (sh.key.length !== 1) return;
    const keyName = sh.key[0]?.name ?? '';
    const moves = d.op === 'update' && d.to !== null;
    if (d.op === 'insert' || d.op === 'copy' || moves || d.reason === 'parent-deferred') {
      this.add(table, d.key[keyName] ?? null);
      if (d.to) this.add(table, d.to[keyName] ?? null);
    }
  }
}

function hexOf(c: Cell): string {
  return (rawFromCell(c) ?? Buffer.alloc(0)).toString('hex');
}

/** What a live batch writes, and what it leaves for later. */
export interface LiveFilter {
  /** the actions to apply, in file order (a copy action narrowed to the keys still free) */
  readonly apply: WriteAction[];
  readonly deferred: Deferred[];
}

type RowWrite = Extract<Action, { op: 'insert' | 'update' | 'delete' }>;

/** A table that references this one, as a move of this table's rows must see it. */
export interface LiveChild {
  readonly shape: TableShape;
  readonly column: string;
  /** parent key (raw hex) → keys (raw hex) of the rows whose reference the plan rewrites */
  readonly rewires: ReadonlyMap<string, ReadonlySet<string>>;
  readonly hasher: BatchTarget['hasher'];
}

/** The live context of one table: what it references, and the run's deferred parents. */
export interface LiveTable {
  readonly references: readonly LiveReference[];
  readonly parents: DeferredParents;
  /** tables referencing this one (only where the plan moves rows of it) */
  readonly children?: readonly LiveChild[];
}

/**
 * Locks and checks the rows a batch of a keyed table touches; returns what to apply and what
 * is deferred. Runs inside the batch's transaction, before its writes.
 */
export async function liveFilter(
  t: BatchTarget,
  live: LiveTable,
  actions: readonly WriteAction[],
  first: number,
): Promise<LiveFilter> {
  const sh = t.shape;
  const apply: WriteAction[] = [];
  const deferred: Deferred[] = [];
  const rows = actions.filter((a): a is RowWrite => a.op !== 'copy');
  // What the target holds at each key once the batch's earlier actions ran: the rows read
  // (locked) now, less the keys earlier actions free (a move's old key, a delete), plus those
  // they fill (a move's new key, an insert).
  const present = new BatchKeys(await lockRows(t, rows));
  const referenced = await referencedByOthers(t, live, rows);
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    if (a === undefined) continue;
    const index = first + i;
    const d =
      a.op === 'copy'
        ? await liveCopy(t, live, a, index, apply, present)
        : checkRow(t, live, a, index, present, referenced);
    if (d === null || 'merged' in d) {
      if (a.op !== 'copy') {
        const write = d === null ? a : d.merged;
        apply.push(write);
        present.applied(sh, write);
      }
      continue;
    }
    for (const one of Array.isArray(d) ? d : [d]) {
      deferred.push(one);
      live.parents.record(sh.name, sh, one);
    }
  }
  return { apply, deferred };
}

/** The rows at the batch's keys as its earlier actions leave them (see liveFilter). */
class BatchKeys {
  private readonly freed = new Set<string>();
  private readonly filled = new Set<string>();

  constructor(private readonly locked: ReadonlyMap<string, RawRow>) {}

  /** The row at a key: the locked row unless an earlier action freed it; `filled` if one wrote it. */
  get(at: string): RawRow | 'filled' | undefined {
    if (this.filled.has(at)) return 'filled';
    return this.freed.has(at) ? undefined : this.locked.get(at);
  }

  /** Whether an earlier action of the batch moves or deletes the row at this key away. */
  frees(at: string): boolean {
    return this.freed.has(at) && !this.filled.has(at);
  }

  /** Records what an applied action does to its keys. */
  applied(sh: TableShape, a: RowWrite | CopyAction): void {
    if (a.op === 'copy') return;
    const from = rawKey(keyCells(sh, a.key, sh.name).map(rawFromCell));
    if (a.op === 'delete') {
      this.freed.add(from);
      this.filled.delete(from);
      return;
    }
    const to = rawKey(keyCells(sh, a.row, sh.name).map(rawFromCell));
    if (a.op === 'update' && to !== from) {
      this.freed.add(from);
      this.filled.delete(from);
    }
    this.filled.add(to);
    this.freed.delete(to);
  }
}

/** The rows at every key the row actions touch (old and new keys), locked; by key bytes. */
async function lockRows(t: BatchTarget, acts: readonly RowWrite[]): Promise<Map<string, RawRow>> {
  const sh = t.shape;
  const keys: Cell[][] = [];
  for (const a of acts) {
    keys.push(keyCells(sh, a.key, `${sh.name} ${a.op}`));
    if (a.op === 'update') keys.push(keyCells(sh, a.row, `${sh.name} update`));
  }
  const out = new Map<string, RawRow>();
  if (keys.length === 0) return out;
  const keyPos = keyPositions(sh);
  const q = selectForUpdate(sh, keys);
  for (const row of await t.session.rawRows(q.sql, q.params))
    out.set(rawKey(keyPos.map((p) => row[p] ?? null)), row);
  // A key stored with other bytes under a case-insensitive collation is not found by its bytes.
  if (sh.key.some((c) => c.family === 'text')) {
    for (const k of keys) {
      const at = rawKey(k.map(rawFromCell));
      if (out.has(at)) continue;
      const one = selectOneForUpdate(sh, k);
      const row = (await t.session.rawRows(one.sql, one.params))[0];
      if (row) out.set(at, row);
    }
  }
  return out;
}

function checkRow(
  t: BatchTarget,
  live: LiveTable,
  a: RowWrite,
  index: number,
  present: BatchKeys,
  referenced: ReadonlySet<string>,
): Deferred | { merged: RowWrite } | null {
  const sh = t.shape;
  const what = `${sh.name} ${a.op}`;
  const key = keyCells(sh, a.key, what);
  const keyAt = rawKey(key.map(rawFromCell));
  const found = present.get(keyAt);
  const at = found === 'filled' ? null : (found ?? null);
  const now = at ? rowOf(sh, at) : null;
  const toKey = a.op === 'update' ? keyCells(sh, a.row, what) : key;
  const moves = toKey.some((c, i) => !cellEquals(c, key[i] ?? null));
  const to = moves ? keyRow(sh, toKey) : null;
  const base = { index, op: a.op, key: keyRow(sh, key), to, now };
  if (a.op === 'insert') {
    if (found) return { ...base, reason: 'taken', wanted: 'insert a row at this key' };
    const parent = deferredParent(live, a.row);
    return parent ? { ...base, reason: 'parent-deferred', wanted: `insert (${parent})` } : null;
  }
  const wanted =
    a.op === 'delete'
      ? 'delete the row'
      : moves
        ? `move to ${JSON.stringify(to)}`
        : `set ${a.columns.join(', ')}`;
  if (!at) return { ...base, reason: 'gone', wanted };
  let merged: RowWrite | null = null;
  if (hex64(t.hasher.hash(at)) !== a.beforeHash) {
    merged = a.op === 'update' ? mergedRewire(t, live, a, at) : null;
    if (merged === null) return { ...base, reason: 'changed', wanted };
  }
  if (a.op === 'delete') return null;
  if (moves) {
    const there = present.get(rawKey(toKey.map(rawFromCell)));
    if (there) {
      const held = there === 'filled' ? null : rowOf(sh, there);
      return { ...base, now: held, reason: 'taken', wanted };
    }
    if (referenced.has(keyAt)) {
      return {
        ...base,
        reason: 'referenced',
        wanted: `${wanted} (rows the plan does not know reference this row)`,
      };
    }
  }
  const parent = deferredParent(live, a.row);
  if (parent) return { ...base, reason: 'parent-deferred', wanted: `${wanted} (${parent})` };
  return merged ? { merged } : null;
}

/**
 * An update that only rewrites reference columns, on a row the application changed: when those
 * columns still hold what the plan saw, the rewrite as it applies now (the row as it is, those
 * columns set); null otherwise (the update is deferred).
 */
function mergedRewire(
  t: BatchTarget,
  live: LiveTable,
  a: Extract<Action, { op: 'update' }>,
  at: RawRow,
): RowWrite | null {
  const sh = t.shape;
  const refs = new Set(live.references.map((r) => r.column.toLowerCase()));
  if (a.columns.length === 0 || !a.columns.every((c) => refs.has(c.toLowerCase()))) return null;
  const now = rowOf(sh, at);
  for (const c of a.columns) if (!cellEquals(now[c] ?? null, a.before[c] ?? null)) return null;
  const row: Record<string, Cell> = { ...now };
  for (const c of a.columns) row[c] = a.row[c] ?? null;
  return { ...a, before: now, beforeHash: hex64(t.hasher.hash(at)), row };
}

/**
 * Old keys of the batch's moves that rows the plan does not know reference: rows of a table
 * that references this one, holding the old key, whose reference the plan does not rewrite and
 * that are not the backup's own row at their key (which stays with the backup's row at the old
 * key). Read and locked, so none can be added until the batch commits.
 */
async function referencedByOthers(
  t: BatchTarget,
  live: LiveTable,
  acts: readonly RowWrite[],
): Promise<Set<string>> {
  const out = new Set<string>();
  const sh = t.shape;
  if (!live.children?.length || sh.key.length !== 1) return out;
  const olds: Cell[] = [];
  for (const a of acts) {
    if (a.op !== 'update') continue;
    const from = keyCells(sh, a.key, sh.name);
    const to = keyCells(sh, a.row, sh.name);
    if (!cellEquals(from[0] ?? null, to[0] ?? null)) olds.push(from[0] ?? null);
  }
  if (olds.length === 0) return out;
  for (const c of live.children) {
    const cols = c.shape.columns.map((x) => quoteId(x.name)).join(', ');
    const at = c.shape.columns.findIndex((x) => x.name.toLowerCase() === c.column.toLowerCase());
    const keyPos = keyPositions(c.shape);
    const rows = await t.session.rawRows(
      `SELECT ${cols} FROM ${quoteTable(c.shape.schema ?? '', c.shape.name)} WHERE ${quoteId(c.column)} IN (${olds.map(() => '?').join(', ')}) FOR UPDATE`,
      olds.map(paramFromCell),
    );
    const unknown: RawRow[] = [];
    for (const row of rows) {
      const parent = (row[at] ?? Buffer.alloc(0)).toString('hex');
      const childKey = rawKey(keyPos.map((p) => row[p] ?? null));
      if (!c.rewires.get(parent)?.has(childKey)) unknown.push(row);
    }
    if (unknown.length === 0) continue;
    const backup = await backupHashes(t, c, unknown);
    for (const row of unknown) {
      const childKey = rawKey(keyPos.map((p) => row[p] ?? null));
      if (backup.get(childKey) !== hex64(c.hasher.hash(row)))
        out.add((row[at] ?? Buffer.alloc(0)).toString('hex'));
    }
  }
  return out;
}

/** The backup's rows of a child table at the given rows' keys, hashed (empty: not readable). */
async function backupHashes(
  t: BatchTarget,
  c: LiveChild,
  rows: readonly RawRow[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const source = t.restore;
  if (source === null) return out;
  const bsh: TableShape = { ...c.shape, schema: source.schema };
  const session = source.kind === 'same-server' ? t.session : source.session;
  const keyPos = keyPositions(c.shape);
  const keys = rows.map((r) =>
    keyPos.map((p) => cellFromRaw(c.shape.columns[p]?.family ?? 'text', r[p] ?? null)),
  );
  const where = keySetCondition(bsh, { keys, ranges: [] });
  const cols = c.shape.columns.map((x) => quoteId(x.name)).join(', ');
  for (const row of await session.rawRows(
    `SELECT ${cols} FROM ${quoteTable(source.schema, c.shape.name)} WHERE ${where.sql}`,
    where.params,
  ))
    out.set(rawKey(keyPos.map((p) => row[p] ?? null)), hex64(c.hasher.hash(row)));
  return out;
}

/** "references customer 17, whose row was deferred", or null. */
function deferredParent(live: LiveTable, row: Row): string | null {
  for (const r of live.references) {
    const v = row[r.column] ?? null;
    if (live.parents.has(r.parent, v)) {
      return `${r.column} references ${r.parent} ${typeof v === 'string' ? v : JSON.stringify(v)}, whose row was deferred`;
    }
  }
  return null;
}

/**
 * A copy action under live checks: the keys of its set the target holds now are `taken`, the
 * backup rows of its set that reference a deferred parent are `parent-deferred`; the rest is
 * copied as one narrowed action whose count and sum are the plan's less the backup's rows at
 * the deferred keys (so the backup is still checked, row for row).
 */
async function liveCopy(
  t: BatchTarget,
  live: LiveTable,
  a: CopyAction,
  index: number,
  apply: WriteAction[],
  batch: BatchKeys,
): Promise<Deferred[] | null> {
  const sh = t.shape;
  const set = setOf(sh, a);
  const where = keySetCondition(sh, set);
  const cols = sh.columns.map((c) => quoteId(c.name)).join(', ');
  const keyPos = keyPositions(sh);
  const keyOf = (row: RawRow): string => rawKey(keyPos.map((p) => row[p] ?? null));
  // Rows an earlier action of the batch moves away (or deletes) are not in the way.
  const taken = (
    await t.session.rawRows(
      `SELECT ${cols} FROM ${quoteTable(sh.schema ?? '', sh.name)} WHERE ${where.sql} FOR UPDATE`,
      where.params,
    )
  ).filter((row) => !batch.frees(keyOf(row)));
  const orphaned = await childrenOfDeferred(t, live, set);
  if (taken.length === 0 && orphaned.length === 0) {
    apply.push(a);
    return null;
  }
  const out: Deferred[] = [];
  const skip = new Set<string>();
  for (const row of taken) {
    const k = keyPos.map((p) => cellFromRaw(sh.columns[p]?.family ?? 'text', row[p] ?? null));
    skip.add(rawKey(k.map(rawFromCell)));
    out.push({
      index,
      op: 'copy',
      key: keyRow(sh, k),
      to: null,
      reason: 'taken',
      wanted: "restore the backup's row at this key",
      now: rowOf(sh, row),
    });
  }
  for (const o of orphaned) {
    const at = rawKey(o.key.map(rawFromCell));
    if (skip.has(at)) continue;
    skip.add(at);
    out.push({
      index,
      op: 'copy',
      key: keyRow(sh, o.key),
      to: null,
      reason: 'parent-deferred',
      wanted: `restore the backup's row (${o.why})`,
      now: null,
    });
  }
  const keep = allKeys(set).filter((k) => !skip.has(rawKey(k.map(rawFromCell))));
  if (keep.length > 0) {
    const left = await lessDigest(
      t,
      a,
      [...skip].map((h) => keyFromHex(sh, h)),
    );
    apply.push({ ...a, ranges: [], keys: keep.map((k) => keyRow(sh, k)), ...left });
  }
  return out;
}

/**
 * A copy action without some of its keys (those a live run deferred): its remaining keys, with
 * the plan's count and sum less the backup's rows at the keys left out (read from `source`).
 * Null when no key is left.
 */
export async function narrowCopy(
  t: Pick<BatchTarget, 'session' | 'shape' | 'restore' | 'check'>,
  a: CopyAction,
  without: readonly Row[],
): Promise<CopyAction | null> {
  const sh = t.shape;
  const skip = new Set(without.map((k) => rawKey(keyCells(sh, k, sh.name).map(rawFromCell))));
  const keep = allKeys(setOf(sh, a)).filter((k) => !skip.has(rawKey(k.map(rawFromCell))));
  if (keep.length === 0) return null;
  const left = await lessDigest(
    t,
    a,
    [...skip].map((h) => keyFromHex(sh, h)),
  );
  return { ...a, ranges: [], keys: keep.map((k) => keyRow(sh, k)), ...left };
}

/** The plan's count and sum for a copy action, less the backup's rows at `gone` keys. */
async function lessDigest(
  t: Pick<BatchTarget, 'session' | 'shape' | 'restore' | 'check'>,
  a: CopyAction,
  gone: Cell[][],
): Promise<{ count: number; sum: string }> {
  const source = t.restore;
  if (source === null) return { count: a.count, sum: a.sum };
  const sh = sourceShape(t.shape, source);
  const session = source.kind === 'same-server' ? t.session : source.session;
  const d = await digestOfSet(session, sh, { keys: gone, ranges: [] }, t.check);
  const acc = new DigestAccumulator({ count: String(a.count), sum: a.sum });
  acc.removeDigest(d);
  const got = acc.toDigest();
  return { count: Number(got.count), sum: got.sum };
}

/** Backup rows of `set` whose reference points at a parent this run deferred. */
async function childrenOfDeferred(
  t: BatchTarget,
  live: LiveTable,
  set: KeySet,
): Promise<{ key: Cell[]; why: string }[]> {
  const source = t.restore;
  if (source === null) return [];
  const sh = sourceShape(t.shape, source);
  const session = source.kind === 'same-server' ? t.session : source.session;
  const out: { key: Cell[]; why: string }[] = [];
  for (const r of live.references) {
    const values = live.parents.values(r.parent);
    if (values.length === 0) continue;
    const where = keySetCondition(sh, set);
    const keyCols = sh.key.map((c) => quoteId(c.name)).join(', ');
    const rows = await session.rawRows(
      `SELECT ${keyCols}, ${quoteId(r.column)} FROM ${quoteTable(sh.schema ?? '', sh.name)} WHERE ${where.sql} AND ${quoteId(r.column)} IN (${values.map(() => '?').join(', ')})`,
      [...where.params, ...values.map((v) => v.toString('latin1'))],
    );
    for (const row of rows) {
      const key = sh.key.map((c, i) => cellFromRaw(c.family, row[i] ?? null));
      const ref = row[sh.key.length]?.toString() ?? '';
      out.push({ key, why: `${r.column} references ${r.parent} ${ref}, whose row was deferred` });
    }
  }
  return out;
}

function sourceShape(sh: TableShape, source: RestoreSource): TableShape {
  return { ...sh, schema: source.schema };
}

export function setOf(sh: TableShape, a: CopyAction): KeySet {
  return {
    keys: a.keys.map((k) => keyCells(sh, k, `${sh.name} copy`)),
    ranges: a.ranges.map(([lo, hi]): [string, string] => [lo, hi]),
  };
}

/** Every key of a set, ranges enumerated (a copy action holds at most 10,000 rows). */
export function allKeys(set: KeySet): Cell[][] {
  const out: Cell[][] = [...set.keys];
  for (const [lo, hi] of set.ranges)
    for (let v = BigInt(lo); v <= BigInt(hi); v++) out.push([v.toString()]);
  return out;
}

export function keyPositions(sh: TableShape): number[] {
  return sh.key.map((k) => sh.columns.indexOf(k));
}

/** A row's key (a key object or a whole row) as raw bytes' hex: what lookups here compare. */
export function keyHex(sh: TableShape, row: Row): string {
  return rawKey(keyCells(sh, row, sh.name).map(rawFromCell));
}

/** A cell as raw bytes' hex (a single-column key, or a reference's value). */
export function cellHex(c: Cell): string {
  return hexOf(c);
}

export function rawKey(values: readonly (Buffer | null)[]): string {
  return values.map((v) => (v === null ? '-' : v.toString('hex'))).join(',');
}

function keyFromHex(sh: TableShape, at: string): Cell[] {
  return at
    .split(',')
    .map((h, i) =>
      h === '-' ? null : cellFromRaw(sh.key[i]?.family ?? 'text', Buffer.from(h, 'hex')),
    );
}

export function keyRow(sh: TableShape, cells: readonly Cell[]): Row {
  return Object.fromEntries(sh.key.map((c, i) => [c.name, cells[i] ?? null]));
}

function rowOf(sh: TableShape, raw: RawRow): Row {
  return Object.fromEntries(
    sh.columns.map((c, i) => [c.name, cellFromRaw(c.family, raw[i] ?? null)]),
  );
}
