import { type Cell, pick, type Row, tupleKey } from '../cell/cells.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { compareUpdatedAt } from './classify.js';
import type { PlacedDraft } from './drafts.js';
import type { Action } from './format.js';
import { hashOf, type Move, storedRow } from './materialize.js';
import { sideColumn, type TableModel, type World } from './table-model.js';
import { type Conflict, keyOf, type Party, ukTuple } from './unique-find.js';

/** What resolving a table's unique-key conflicts changes in its drafts. */
export interface UniqueOutcome {
  /** draft ids no longer written */
  readonly removed: ReadonlySet<string>;
  /** rows of the target that lose a conflict and go */
  readonly deletes: Action[];
  readonly unresolved: Action[];
  /** rows merged into the row kept: references to them follow (to the remap book) */
  readonly merges: Move[];
  /** one line per resolved conflict, for plan.sql */
  readonly notes: string[];
}

export const NO_CONFLICTS: UniqueOutcome = {
  removed: new Set(),
  deletes: [],
  unresolved: [],
  merges: [],
  notes: [],
};

/** A conflict's verdict: which row wins, or why a person must decide. */
type Verdict =
  | { readonly kind: 'keep'; readonly winner: Party; readonly loser: Party }
  | { readonly kind: 'unresolved'; readonly why: string };

/**
 * Resolves conflicts by the table's `onUniqueConflict`: keeping one row merges the other into
 * it (references to it follow), or the conflict is listed as unresolved. Pure.
 * `cannotMerge` says why keeping one row is impossible for this table (references that could
 * not follow), or is null.
 */
export function resolveConflicts(
  model: TableModel,
  found: readonly Conflict[],
  hasher: DigestRowHasher,
  cannotMerge: string | null,
): UniqueOutcome {
  if (found.length === 0) return NO_CONFLICTS;
  const { pairs, partners } = distinctPairs(model, found);
  const out: {
    removed: Set<string>;
    deletes: Action[];
    unresolved: Action[];
    merges: Move[];
    notes: string[];
  } = {
    removed: new Set<string>(),
    deletes: [],
    unresolved: [],
    merges: [],
    notes: [],
  };
  const policy = model.policy.onUniqueConflict;
  for (const c of pairs) {
    // x: the backup's side of the pair, y: the interim's (or two of one side).
    const [x, y] = worldOf(model, c.a) === 'backup' ? [c.a, c.b] : [c.b, c.a];
    const values = `${c.uk.name} (${c.uk.columns.join(', ')}) = ${describe(ukTuple(partyAction(model, x), c.uk))}`;
    const crowded = [x, y].some((p) => (partners.get(partyId(model, p))?.size ?? 0) > 1);
    const v = verdict(model, x, y, crowded, cannotMerge);
    if (v.kind === 'unresolved') {
      const w = x.kind === 'write' ? x : y.kind === 'write' ? y : null;
      if (w?.kind !== 'write') continue; // two existing rows cannot clash
      out.removed.add(w.d.id);
      out.unresolved.push({
        op: 'unresolved',
        rule: `onUniqueConflict=${policy}`,
        key: w.d.action.key,
        reason: `unique key ${values} held by both the backup's row and the interim's: ${v.why}`,
        backup: rowOfParty(model, x),
        interim: rowOfParty(model, y),
      });
      continue;
    }
    const to = finalKey(model, v.winner);
    mergeLoser(model, hasher, v.loser, to, out);
    out.notes.push(
      model.key.length > 0
        ? `unique key ${values}: the ${worldOf(model, v.loser)}'s row ${describe(origKeyOf(model, v.loser))} is merged into the ${worldOf(model, v.winner)}'s row ${describe(to)} (onUniqueConflict=${policy}); references to it follow`
        : `unique key ${values}: the ${worldOf(model, v.winner)}'s row holding it is kept, the ${worldOf(model, v.loser)}'s is not (onUniqueConflict=${policy})`,
    );
  }
  return out;
}

/** One conflict per pair of rows (two keys may clash for the same pair), and each row's partners. */
function distinctPairs(
  model: TableModel,
  found: readonly Conflict[],
): { pairs: Conflict[]; partners: Map<string, Set<string>> } {
  const pairs = new Map<string, Conflict>();
  const partners = new Map<string, Set<string>>();
  for (const c of found) {
    const [x, y] = [partyId(model, c.a), partyId(model, c.b)].sort();
    if (x === undefined || y === undefined) continue;
    const id = `${x}\u0001${y}`;
    if (!pairs.has(id)) pairs.set(id, c);
    partners.set(x, (partners.get(x) ?? new Set()).add(y));
    partners.set(y, (partners.get(y) ?? new Set()).add(x));
  }
  return { pairs: [...pairs.values()], partners };
}

/** The policy applied to one pair (x the backup's row, y the interim's). */
function verdict(
  model: TableModel,
  x: Party,
  y: Party,
  crowded: boolean,
  cannotMerge: string | null,
): Verdict {
  const policy = model.policy.onUniqueConflict;
  const no = (why: string): Verdict => ({ kind: 'unresolved', why });
  if (worldOf(model, x) === worldOf(model, y))
    return no('both rows come from the same side (a rewritten reference made them equal)');
  if (crowded) return no('a row clashes with more than one other row');
  let winner: Party;
  if (policy === 'manual') return no('onUniqueConflict is manual');
  if (policy === 'prefer-backup') winner = x;
  else if (policy === 'prefer-interim') winner = y;
  else {
    const col = model.policy.updatedAt ?? '';
    const info = sideColumn(model.target, col);
    const cmp = info
      ? compareUpdatedAt(
          info,
          rowOfParty(model, x)[info.name] ?? null,
          rowOfParty(model, y)[info.name] ?? null,
        )
      : null;
    if (cmp === null || cmp === 0)
      return no(
        `${col} ${cmp === 0 ? 'is the same on both' : 'is NULL on a side'}: cannot tell which is newer`,
      );
    winner = cmp > 0 ? x : y;
  }
  const loser = winner === x ? y : x;
  if (cannotMerge) return no(`onUniqueConflict=${policy} would keep one row, but ${cannotMerge}`);
  if (loser.kind === 'write' && !isMove(model, loser.d) && loser.d.action.op === 'update')
    return no(`onUniqueConflict=${policy} would drop an edit of a row that stays`);
  return { kind: 'keep', winner, loser };
}

/** The loser goes: its write is dropped (a target row it replaced is deleted), and it merges into `to`. */
function mergeLoser(
  model: TableModel,
  hasher: DigestRowHasher,
  loser: Party,
  to: Cell[],
  out: { removed: Set<string>; deletes: Action[]; merges: Move[] },
): void {
  const rule = `onUniqueConflict=${model.policy.onUniqueConflict}`;
  if (loser.kind === 'write') {
    out.removed.add(loser.d.id);
    const a = loser.d.action;
    if (a.op === 'update')
      out.deletes.push({
        op: 'delete',
        rule,
        key: a.key,
        before: a.before,
        beforeHash: a.beforeHash,
      });
    // Nothing can reference a row of a table without a key: no merge to follow.
    if (model.key.length > 0)
      out.merges.push({
        table: model.name,
        world: worldOf(model, loser),
        from: loser.d.origKey ?? [],
        to,
      });
    return;
  }
  const key = pick(loser.cells, model.keyIdx);
  out.deletes.push({
    op: 'delete',
    rule,
    key: Object.fromEntries(model.key.map((k, n) => [k, key[n] ?? null])),
    before: storedRow(model, loser.cells),
    beforeHash: hashOf(model, hasher, loser.cells),
  });
  if (model.key.length > 0)
    out.merges.push({ table: model.name, world: model.base, from: key, to });
}

function partyAction(model: TableModel, p: Party): Action {
  if (p.kind === 'write') return p.d.action;
  return { op: 'delete', rule: '', key: {}, before: storedRow(model, p.cells), beforeHash: '' };
}

function rowOfParty(model: TableModel, p: Party): Row {
  if (p.kind === 'existing') return storedRow(model, p.cells);
  const a = p.d.action;
  return a.op === 'insert' || a.op === 'update' ? a.row : {};
}

function worldOf(model: TableModel, p: Party): World {
  return p.kind === 'write' ? (p.d.world ?? model.base) : model.base;
}

function partyId(model: TableModel, p: Party): string {
  if (p.kind === 'write') return p.d.id;
  // A row of a table without a key is told by all its values (a unique key holds in it).
  return `target:${tupleKey(model.key.length > 0 ? pick(p.cells, model.keyIdx) : p.cells)}`;
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

function describe(cells: readonly Cell[]): string {
  return `(${cells.map((c) => (c === null ? 'NULL' : typeof c === 'string' ? JSON.stringify(c) : `0x${c.hex}`)).join(', ')})`;
}
