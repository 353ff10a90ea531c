import { type Cell, type Cells, pick, type Row, tupleKey } from '../cell/cells.js';
import type { SessionPool } from '../db/session-pool.js';
import type { DigestRowHasher } from '../hash/digest.js';
import type { IndexInfo, TableInfo } from '../introspect/types.js';
import type { DraftFiles, PlacedDraft } from './drafts.js';
import type { Action } from './format.js';
import { matchForms } from './match-form.js';
import { hashOf } from './materialize.js';
import { LOOKUP_BATCH, type RowQuery } from './row-query.js';
import { otherWorld, type TableModel } from './table-model.js';

/** Reads of the three snapshots the check needs. */
export interface UniqueSides {
  /** the target as it is now (the base side's snapshot) */
  readonly base: RowQuery;
  readonly backup: RowQuery;
  readonly interim: RowQuery;
  /** a session for collation weights */
  readonly pool: SessionPool;
}

/** A row in a conflict: one the plan writes, or one of the target's that stays. */
export type Party =
  | { readonly kind: 'write'; readonly d: PlacedDraft }
  | { readonly kind: 'existing'; readonly cells: Cells };

/** Two rows that would hold the same value of unique key `uk` in the merged table. */
export interface Conflict {
  readonly uk: IndexInfo;
  readonly a: Party;
  readonly b: Party;
}

/**
 * Finds the rows that would break a unique key of the merged table, before anything is written.
 * The queries only: what to do about them is unique-resolve.ts's.
 *
 * The merged table is the target minus the rows the plan updates or deletes, plus the rows it
 * writes. The target satisfies its keys, so a conflict involves a written row: either with a
 * target row the plan leaves alone (found by looking each written value up in the target), or
 * with another written row. Rows written unchanged from one side cannot clash with each other
 * when that side has the key too, so only the few others (the interim's moved and rewritten
 * rows, in place) are held in memory and looked up on the side the bulk comes from.
 *
 * Memory: the keys the plan updates or deletes (one string each) and the written rows that are
 * not verbatim copies of the bulk side.
 */
export async function findUniqueConflicts(
  model: TableModel,
  drafts: DraftFiles,
  sides: UniqueSides,
  hasher: DigestRowHasher,
): Promise<Conflict[]> {
  if (drafts.lines.insert + drafts.lines.update === 0) return [];
  if (model.key.length === 0)
    return model.uniqueKeys.length > 0 ? keylessConflicts(model, drafts, sides, hasher) : [];
  const out = model.uniqueKeys.length > 0 ? await keyedConflicts(model, drafts, sides) : [];
  if (drafts.keyMerged > 0) out.push(...(await mergedKeyConflicts(model, drafts, sides)));
  return out;
}

/** The unique keys of a keyed table: see findUniqueConflicts. */
async function keyedConflicts(
  model: TableModel,
  drafts: DraftFiles,
  sides: UniqueSides,
): Promise<Conflict[]> {
  const affected = new Set<string>();
  for await (const d of drafts.read(['delete', 'update']))
    affected.add(tupleKey(keyOf(model, d.action.key)));
  const bulk = otherWorld(model.base);
  const bulkConsistent = model.uniqueKeys.every((u) =>
    hasUnique(bulk === 'backup' ? model.pair.backup : model.pair.interim, u),
  );
  const held: PlacedDraft[] = [];
  const conflicts: Conflict[] = [];
  let batch: PlacedDraft[] = [];
  for await (const d of drafts.read(['update', 'insert'])) {
    if (!(bulkConsistent && d.pure && d.world === bulk)) held.push(d);
    batch.push(d);
    if (batch.length >= LOOKUP_BATCH) {
      conflicts.push(...(await againstStaying(model, batch, sides.base, affected)));
      batch = [];
    }
  }
  conflicts.push(...(await againstStaying(model, batch, sides.base, affected)));
  conflicts.push(...(await amongHeld(model, held, sides.pool)));
  if (bulkConsistent && held.length > 0) {
    conflicts.push(...(await heldAgainstBulk(model, drafts, held, sides[bulk])));
  }
  return conflicts;
}

/** Written rows against the target's rows that stay (not updated or deleted by the plan). */
async function againstStaying(
  model: TableModel,
  batch: readonly PlacedDraft[],
  base: RowQuery,
  affected: ReadonlySet<string>,
  keys: readonly IndexInfo[] = model.uniqueKeys,
): Promise<Conflict[]> {
  const out: Conflict[] = [];
  const stays = (cells: Cells): boolean => !affected.has(tupleKey(pick(cells, model.keyIdx)));
  for (const u of keys) {
    const items = withValues(batch, u);
    if (items.length === 0) continue;
    const tuples = items.map((x) => x.t);
    // One cheap lookup for the whole batch; per-value lookups only when something stays.
    const hits = await base.byTuples(u.columns, tuples);
    if (!hits.some((r) => stays(r.cells))) continue;
    for (const [n, rows] of await base.perTuple(u.columns, tuples)) {
      const item = items[n];
      if (!item) continue;
      for (const r of rows) {
        if (stays(r.cells))
          out.push({
            uk: u,
            a: { kind: 'write', d: item.d },
            b: { kind: 'existing', cells: r.cells },
          });
      }
    }
  }
  return out;
}

/** Held rows against each other, equal as the column's collation says. */
async function amongHeld(
  model: TableModel,
  held: readonly PlacedDraft[],
  pool: SessionPool,
  keys: readonly IndexInfo[] = model.uniqueKeys,
): Promise<Conflict[]> {
  const out: Conflict[] = [];
  for (const u of keys) {
    const items = withValues(held, u);
    const forms = await matchForms(
      pool,
      model.target,
      u.columns,
      items.map((x) => x.t),
    );
    const groups = new Map<string, PlacedDraft[]>();
    items.forEach((x, n) => {
      const f = forms[n] ?? '';
      groups.set(f, [...(groups.get(f) ?? []), x.d]);
    });
    for (const [first, ...rest] of groups.values()) {
      if (!first) continue;
      for (const d of rest)
        out.push({ uk: u, a: { kind: 'write', d: first }, b: { kind: 'write', d } });
    }
  }
  return out;
}

/**
 * Held rows against the bulk: finds the bulk side's rows holding the value, then whether the
 * plan writes them (a second read of the drafts, only when some value was found).
 */
async function heldAgainstBulk(
  model: TableModel,
  drafts: DraftFiles,
  held: readonly PlacedDraft[],
  side: RowQuery,
  keys: readonly IndexInfo[] = model.uniqueKeys,
): Promise<Conflict[]> {
  const wanted = new Map<string, { s: PlacedDraft; uk: IndexInfo }[]>();
  for (const u of keys) {
    const items = withValues(held, u);
    for (let o = 0; o < items.length; o += LOOKUP_BATCH) {
      const part = items.slice(o, o + LOOKUP_BATCH);
      const tuples = part.map((x) => x.t);
      if ((await side.byTuples(u.columns, tuples)).length === 0) continue;
      for (const [n, rows] of await side.perTuple(u.columns, tuples)) {
        const item = part[n];
        if (!item) continue;
        for (const r of rows) {
          const k = tupleKey(pick(r.cells, model.keyIdx));
          wanted.set(k, [...(wanted.get(k) ?? []), { s: item.d, uk: u }]);
        }
      }
    }
  }
  const out: Conflict[] = [];
  if (wanted.size === 0) return out;
  const bulk = otherWorld(model.base);
  for await (const d of drafts.read(['update', 'insert'])) {
    if (!(d.pure && d.world === bulk && d.origKey)) continue;
    for (const w of wanted.get(tupleKey(d.origKey)) ?? []) {
      if (w.s.id !== d.id)
        out.push({ uk: w.uk, a: { kind: 'write', d }, b: { kind: 'write', d: w.s } });
    }
  }
  return out;
}

/**
 * Rows whose key changed with a parent merged into another row (a child whose key embeds the
 * parent's): their new key may be one the table already holds, in the target or among the rows
 * the plan writes. The row's own key is then checked like a unique key, for those rows only.
 */
async function mergedKeyConflicts(
  model: TableModel,
  drafts: DraftFiles,
  sides: UniqueSides,
): Promise<Conflict[]> {
  const held: PlacedDraft[] = [];
  for await (const d of drafts.read(['update', 'insert'])) if (d.keyMerged) held.push(d);
  if (held.length === 0) return [];
  const key: IndexInfo = {
    name: 'PRIMARY',
    unique: true,
    columns: model.key,
    nullable: false,
    prefix: false,
  };
  const affected = new Set<string>();
  for await (const d of drafts.read(['delete', 'update']))
    affected.add(tupleKey(keyOf(model, d.action.key)));
  const out: Conflict[] = [];
  for (let o = 0; o < held.length; o += LOOKUP_BATCH) {
    out.push(
      ...(await againstStaying(model, held.slice(o, o + LOOKUP_BATCH), sides.base, affected, [
        key,
      ])),
    );
  }
  out.push(...(await amongHeld(model, held, sides.pool, [key])));
  out.push(...(await heldAgainstBulk(model, drafts, held, sides[otherWorld(model.base)], [key])));
  return out;
}

/**
 * The same for a table without a key the tool can use, whose unique keys still hold (a
 * nullable unique column, a unique generated column): rows it writes against the target's rows
 * that stay (those the plan does not delete or update, told by their row hash, copies counted)
 * and against each other. Such tables differ in few rows: every written row is held.
 */
async function keylessConflicts(
  model: TableModel,
  drafts: DraftFiles,
  sides: UniqueSides,
  hasher: DigestRowHasher,
): Promise<Conflict[]> {
  const leaving = new Map<string, number>();
  for await (const d of drafts.read(['delete', 'update'])) {
    const a = d.action;
    if (a.op === 'delete' || a.op === 'update')
      leaving.set(a.beforeHash, (leaving.get(a.beforeHash) ?? 0) + 1);
  }
  const written: PlacedDraft[] = [];
  for await (const d of drafts.read(['update', 'insert'])) written.push(d);
  const out: Conflict[] = [];
  for (const u of model.uniqueKeys) {
    const items = withValues(written, u);
    const left = new Map(leaving);
    for (let o = 0; o < items.length; o += LOOKUP_BATCH) {
      const part = items.slice(o, o + LOOKUP_BATCH);
      for (const [n, rows] of await sides.base.perTuple(
        u.columns,
        part.map((x) => x.t),
      )) {
        const item = part[n];
        if (!item) continue;
        for (const r of rows) {
          const h = hashOf(model, hasher, r.cells);
          const goes = left.get(h) ?? 0;
          if (goes > 0) left.set(h, goes - 1);
          else
            out.push({
              uk: u,
              a: { kind: 'write', d: item.d },
              b: { kind: 'existing', cells: r.cells },
            });
        }
      }
    }
  }
  out.push(...(await amongHeld(model, written, sides.pool)));
  return out;
}

/** The drafts with their values of `u`, leaving out those holding a NULL (NULLs never clash). */
function withValues(list: readonly PlacedDraft[], u: IndexInfo): { d: PlacedDraft; t: Cell[] }[] {
  return list.map((d) => ({ d, t: ukTuple(d.action, u) })).filter((x) => !x.t.includes(null));
}

export function keyOf(model: TableModel, key: Row): Cell[] {
  return model.key.map((k) => key[k] ?? null);
}

export function ukTuple(a: Action, u: IndexInfo): Cell[] {
  const row = a.op === 'insert' || a.op === 'update' ? a.row : a.op === 'delete' ? a.before : {};
  return u.columns.map((c) => row[c] ?? null);
}

/** Whether a side's table has a unique key over the same columns (so its rows satisfy it). */
function hasUnique(t: TableInfo, u: IndexInfo): boolean {
  const same = (cols: readonly string[]) =>
    cols.length === u.columns.length && u.columns.every((c) => cols.includes(c));
  return (
    t.uniqueKeys.some((k) => k.unique && !k.prefix && same(k.columns)) ||
    (t.primaryKey !== null && same(t.primaryKey))
  );
}
