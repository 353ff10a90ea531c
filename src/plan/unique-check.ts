import type { Cell, Row } from '../cell/cells.js';
import { type Cells, pick, tupleKey } from '../cell/cells.js';
import type { SessionPool } from '../db/session-pool.js';
import type { DigestRowHasher } from '../hash/digest.js';
import type { IndexInfo, TableInfo } from '../introspect/types.js';
import { compareUpdatedAt } from './classify.js';
import type { DraftFiles, PlacedDraft } from './drafts.js';
import type { Action } from './format.js';
import { matchForms } from './match-form.js';
import { hashOf, storedRow } from './materialize.js';
import type { RemapBook } from './remap-book.js';
import { LOOKUP_BATCH, type RowQuery } from './row-query.js';
import { otherWorld, sideColumn, type TableModel, type World } from './table-model.js';

/** Reads of the three snapshots the check needs. */
export interface UniqueSides {
  /** the target as it is now (the base side's snapshot) */
  readonly base: RowQuery;
  readonly backup: RowQuery;
  readonly interim: RowQuery;
  /** a session for collation weights */
  readonly pool: SessionPool;
}

/** What the check changed in the table's drafts. */
export interface UniqueOutcome {
  /** draft ids no longer written */
  readonly removed: ReadonlySet<string>;
  /** rows of the target that lose a conflict and go */
  readonly deletes: Action[];
  readonly unresolved: Action[];
  readonly resolved: number;
  /** one line per resolved conflict, for plan.sql */
  readonly notes: string[];
}

type Party =
  | { readonly kind: 'write'; readonly d: PlacedDraft }
  | { readonly kind: 'existing'; readonly cells: Cells };

interface Conflict {
  readonly uk: IndexInfo;
  readonly a: Party;
  readonly b: Party;
}

const EMPTY: UniqueOutcome = {
  removed: new Set(),
  deletes: [],
  unresolved: [],
  resolved: 0,
  notes: [],
};

/**
 * Finds the rows that would break a unique key of the merged table, before anything is written,
 * and resolves them by `onUniqueConflict` or lists them as unresolved.
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
export async function checkUniqueKeys(
  model: TableModel,
  drafts: DraftFiles,
  sides: UniqueSides,
  book: RemapBook,
  hasher: DigestRowHasher,
  cannotMerge: string | null,
): Promise<UniqueOutcome> {
  const uks = model.uniqueKeys;
  if (uks.length === 0 || model.key.length === 0) return EMPTY;
  if (drafts.lines.insert + drafts.lines.update === 0) return EMPTY;

  const affected = new Set<string>();
  for await (const d of drafts.read(['delete', 'update']))
    affected.add(tupleKey(keyOf(model, d.action.key)));

  const bulk = otherWorld(model.base);
  const bulkConsistent = uks.every((u) =>
    hasUnique(bulk === 'backup' ? model.pair.backup : model.pair.interim, u),
  );
  const held: PlacedDraft[] = [];
  const conflicts: Conflict[] = [];

  // Written rows against the target's rows that stay.
  let batch: PlacedDraft[] = [];
  const flush = async (): Promise<void> => {
    for (const u of uks) {
      const items = batch
        .map((d) => ({ d, t: ukTuple(d.action, u) }))
        .filter((x) => !x.t.includes(null));
      if (items.length === 0) continue;
      const hits = await sides.base.byTuples(
        u.columns,
        items.map((x) => x.t),
      );
      if (!hits.some((r) => !affected.has(tupleKey(pick(r.cells, model.keyIdx))))) continue;
      const per = await sides.base.perTuple(
        u.columns,
        items.map((x) => x.t),
      );
      for (const [n, rows] of per) {
        for (const r of rows) {
          if (affected.has(tupleKey(pick(r.cells, model.keyIdx)))) continue;
          conflicts.push({
            uk: u,
            a: { kind: 'write', d: (items[n] as { d: PlacedDraft }).d },
            b: { kind: 'existing', cells: r.cells },
          });
        }
      }
    }
    batch = [];
  };
  for await (const d of drafts.read(['update', 'insert'])) {
    if (!(bulkConsistent && d.pure && d.world === bulk)) held.push(d);
    batch.push(d);
    if (batch.length >= LOOKUP_BATCH) await flush();
  }
  await flush();

  // Held rows against each other, equal as the column's collation says.
  for (const u of uks) {
    const items = held
      .map((d) => ({ d, t: ukTuple(d.action, u) }))
      .filter((x) => !x.t.includes(null));
    const forms = await matchForms(
      sides.pool,
      model.target,
      u.columns,
      items.map((x) => x.t),
    );
    const groups = new Map<string, PlacedDraft[]>();
    items.forEach((x, n) => {
      const f = forms[n] as string;
      groups.set(f, [...(groups.get(f) ?? []), x.d]);
    });
    for (const g of groups.values()) {
      for (let n = 1; n < g.length; n++)
        conflicts.push({
          uk: u,
          a: { kind: 'write', d: g[0] as PlacedDraft },
          b: { kind: 'write', d: g[n] as PlacedDraft },
        });
    }
  }

  // Held rows against the bulk: find the bulk side's rows holding the value, then whether the
  // plan writes them.
  if (bulkConsistent && held.length > 0) {
    const wanted = new Map<string, { s: PlacedDraft; uk: IndexInfo }[]>();
    const side = sides[bulk];
    for (const u of uks) {
      const items = held
        .map((d) => ({ d, t: ukTuple(d.action, u) }))
        .filter((x) => !x.t.includes(null));
      for (let o = 0; o < items.length; o += LOOKUP_BATCH) {
        const part = items.slice(o, o + LOOKUP_BATCH);
        const hits = await side.byTuples(
          u.columns,
          part.map((x) => x.t),
        );
        if (hits.length === 0) continue;
        const per = await side.perTuple(
          u.columns,
          part.map((x) => x.t),
        );
        for (const [n, rows] of per) {
          for (const r of rows) {
            const k = tupleKey(pick(r.cells, model.keyIdx));
            wanted.set(k, [
              ...(wanted.get(k) ?? []),
              { s: (part[n] as { d: PlacedDraft }).d, uk: u },
            ]);
          }
        }
      }
    }
    if (wanted.size > 0) {
      for await (const d of drafts.read(['update', 'insert'])) {
        if (!(d.pure && d.world === bulk && d.origKey)) continue;
        for (const w of wanted.get(tupleKey(d.origKey)) ?? []) {
          if (w.s.id !== d.id)
            conflicts.push({ uk: w.uk, a: { kind: 'write', d }, b: { kind: 'write', d: w.s } });
        }
      }
    }
  }
  if (conflicts.length === 0) return EMPTY;
  return resolve(model, conflicts, book, hasher, cannotMerge);
}

function resolve(
  model: TableModel,
  found: readonly Conflict[],
  book: RemapBook,
  hasher: DigestRowHasher,
  cannotMerge: string | null,
): UniqueOutcome {
  // One conflict per pair of rows (two keys may clash for the same pair).
  const pairs = new Map<string, Conflict>();
  const partners = new Map<string, Set<string>>();
  for (const c of found) {
    const [x, y] = [partyId(model, c.a), partyId(model, c.b)].sort() as [string, string];
    const id = `${x}\u0001${y}`;
    if (!pairs.has(id)) pairs.set(id, c);
    for (const [p, q] of [
      [x, y],
      [y, x],
    ] as const)
      partners.set(p, (partners.get(p) ?? new Set()).add(q));
  }
  const removed = new Set<string>();
  const deletes: Action[] = [];
  const unresolved: Action[] = [];
  const notes: string[] = [];
  let resolved = 0;
  const policy = model.policy.onUniqueConflict;

  for (const c of pairs.values()) {
    const [x, y] = worldOf(model, c.a) === 'backup' ? [c.a, c.b] : [c.b, c.a];
    const values = `${c.uk.name} (${c.uk.columns.join(', ')}) = ${describe(ukTuple(rowPartyAction(model, x), c.uk))}`;
    const crowded =
      (partners.get(partyId(model, x))?.size ?? 0) > 1 ||
      (partners.get(partyId(model, y))?.size ?? 0) > 1;
    let why: string | null = null;
    let winner: Party | null = null;
    if (worldOf(model, x) === worldOf(model, y))
      why = 'both rows come from the same side (a rewritten reference made them equal)';
    else if (crowded) why = 'a row clashes with more than one other row';
    else if (policy === 'manual') why = 'onUniqueConflict is manual';
    else if (policy === 'prefer-backup') winner = x;
    else if (policy === 'prefer-interim') winner = y;
    else {
      const col = model.policy.updatedAt as string;
      const info = sideColumn(model.target, col);
      const cmp = info
        ? compareUpdatedAt(
            info,
            rowOfParty(model, x)[info.name] ?? null,
            rowOfParty(model, y)[info.name] ?? null,
          )
        : null;
      if (cmp === null || cmp === 0)
        why = `${col} ${cmp === 0 ? 'is the same on both' : 'is NULL on a side'}: cannot tell which is newer`;
      else winner = cmp > 0 ? x : y;
    }
    const loser = winner === x ? y : x;
    if (winner && cannotMerge)
      why = `onUniqueConflict=${policy} would keep one row, but ${cannotMerge}`;
    if (
      winner &&
      !why &&
      loser.kind === 'write' &&
      !isMove(model, loser.d) &&
      loser.d.action.op === 'update'
    ) {
      why = `onUniqueConflict=${policy} would drop an edit of a row that stays`;
    }
    if (!winner || why) {
      const w = x.kind === 'write' ? x : y.kind === 'write' ? y : null;
      if (w?.kind !== 'write') continue; // two existing rows cannot clash
      removed.add(w.d.id);
      unresolved.push({
        op: 'unresolved',
        rule: `onUniqueConflict=${policy}`,
        key: w.d.action.key,
        reason: `unique key ${values} held by both the backup's row and the interim's: ${why ?? 'no winner'}`,
        backup: rowOfParty(model, x),
        interim: rowOfParty(model, y),
      });
      continue;
    }
    const win = winner as Party;
    const to = finalKey(model, win);
    if (loser.kind === 'write') {
      removed.add(loser.d.id);
      if (loser.d.action.op === 'update') {
        const u = loser.d.action;
        deletes.push({
          op: 'delete',
          rule: `onUniqueConflict=${policy}`,
          key: u.key,
          before: u.before,
          beforeHash: u.beforeHash,
        });
      }
      book.addMerge(model.name, loser.d.world as World, loser.d.origKey as Cell[], to);
    } else {
      const key = pick(loser.cells, model.keyIdx);
      deletes.push({
        op: 'delete',
        rule: `onUniqueConflict=${policy}`,
        key: Object.fromEntries(model.key.map((k, n) => [k, key[n] ?? null])),
        before: storedRow(model, loser.cells),
        beforeHash: hashOf(model, hasher, loser.cells),
      });
      book.addMerge(model.name, model.base, key, to);
    }
    resolved++;
    notes.push(
      `unique key ${values}: the ${worldOf(model, loser)}'s row ${describe(origKeyOf(model, loser))} is merged into the ${worldOf(model, win)}'s row ${describe(to)} (onUniqueConflict=${policy}); references to it follow`,
    );
  }
  return { removed, deletes, unresolved, resolved, notes };
}

function keyOf(model: TableModel, key: Row): Cell[] {
  return model.key.map((k) => key[k] ?? null);
}

function ukTuple(a: Action, u: IndexInfo): Cell[] {
  const row = a.op === 'insert' || a.op === 'update' ? a.row : a.op === 'delete' ? a.before : {};
  return u.columns.map((c) => row[c] ?? null);
}

function rowPartyAction(model: TableModel, p: Party): Action {
  if (p.kind === 'write') return p.d.action;
  return { op: 'delete', rule: '', key: {}, before: storedRow(model, p.cells), beforeHash: '' };
}

function rowOfParty(model: TableModel, p: Party): Row {
  if (p.kind === 'existing') return storedRow(model, p.cells);
  const a = p.d.action;
  return a.op === 'insert' || a.op === 'update' ? a.row : {};
}

function worldOf(model: TableModel, p: Party): World {
  return p.kind === 'write' ? (p.d.world as World) : model.base;
}

function partyId(model: TableModel, p: Party): string {
  return p.kind === 'write' ? p.d.id : `target:${tupleKey(pick(p.cells, model.keyIdx))}`;
}

function finalKey(model: TableModel, p: Party): Cell[] {
  return p.kind === 'write' ? keyOf(model, rowOfParty(model, p)) : pick(p.cells, model.keyIdx);
}

function origKeyOf(model: TableModel, p: Party): Cell[] {
  return p.kind === 'write' ? (p.d.origKey ?? []) : pick(p.cells, model.keyIdx);
}

/** An update that changes the row's key (a remapped row moving to its fresh id). */
function isMove(model: TableModel, d: PlacedDraft): boolean {
  const a = d.action;
  return a.op === 'update' && tupleKey(keyOf(model, a.key)) !== tupleKey(keyOf(model, a.row));
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

function describe(cells: readonly Cell[]): string {
  return `(${cells.map((c) => (c === null ? 'NULL' : typeof c === 'string' ? JSON.stringify(c) : `0x${c.hex}`)).join(', ')})`;
}
