import { type Cell, type Cells, cellEquals, pick, type Row, rawOf, rowOf } from '../cell/cells.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { hex64 } from '../hash/xxhash.js';
import type { Decision, Entry, Survivor } from './decide.js';
import type { RowAction } from './format.js';
import { refValues, setRefValues } from './ref-values.js';
import type { RemapView } from './remap-book.js';
import { columnIndex, type TableModel, type World } from './table-model.js';

/** An action as first written, with what the unique-key check needs to know about it. */
export interface Draft {
  readonly action: RowAction;
  /** the side a written row comes from (null for deletes and unresolved) */
  readonly world: World | null;
  /** the written row's unique-key values are its side's own (no reference rewrote them) */
  readonly pure: boolean;
  /** the written row's key on its side, before any move */
  readonly origKey: Cell[] | null;
  /**
   * its key changed because a parent it embeds was merged into another row (a unique-key
   * conflict kept the other): the new key may be one the table already holds, and is checked
   * (a fresh id or a parent's fresh id never can be)
   */
  readonly keyMerged?: boolean;
}

/** A row of `table` from `world` that ends at another key: its children follow it there. */
export interface Move {
  readonly table: string;
  readonly world: World;
  readonly from: Cell[];
  readonly to: Cell[];
}

/** What a key's decision comes to: its actions, the moves they make, the references they rewrote. */
export interface Materialized {
  readonly drafts: Draft[];
  readonly moves: Move[];
  /** one label per rewritten reference value ("rental.customer_id") */
  readonly followed: string[];
}

/**
 * The rows a key ends with, rewritten, and the actions that take the target there. Pure: the
 * caller records the moves (and the rewritten references) in its remap book.
 */
export function materialize(
  model: TableModel,
  book: RemapView,
  hasher: DigestRowHasher,
  entry: Entry,
  d: Decision,
): Materialized {
  if (d.unresolved) {
    return { drafts: [unresolvedDraft(model, entry, d.unresolved)], moves: [], followed: [] };
  }
  const finals = d.survivors.map((s) => finish(model, book, s));
  const drafts: Draft[] = [];
  const used = new Set<number>();
  const baseRow = baseRowOf(model, entry);
  if (baseRow) {
    const n = baseSurvivor(model, finals, baseRow);
    const f = finals[n];
    if (f) used.add(n);
    const draft = f
      ? updateDraft(model, hasher, baseRow, f)
      : deleteDraft(model, hasher, baseRow, d);
    if (draft) drafts.push(draft);
  }
  finals.forEach((f, n) => {
    if (!used.has(n)) drafts.push(insertDraft(model, hasher, f));
  });
  return {
    drafts,
    moves: finals.flatMap((f) => (f.move ? [f.move] : [])),
    followed: finals.flatMap((f) => f.rewritten),
  };
}

function unresolvedDraft(
  model: TableModel,
  entry: Entry,
  u: NonNullable<Decision['unresolved']>,
): Draft {
  const b = sideRow(entry, 'backup');
  const i = sideRow(entry, 'interim');
  const row = baseRowOf(model, entry) ?? b ?? i ?? [];
  return {
    action: {
      op: 'unresolved',
      rule: u.rule,
      key: keyRow(model, pick(row, model.keyIdx)),
      reason: u.reason,
      backup: b ? storedRow(model, b) : null,
      interim: i ? storedRow(model, i) : null,
    },
    world: null,
    pure: true,
    origKey: null,
  };
}

/** Which survivor takes the place of the target's row at the key (-1: none, it is deleted). */
function baseSurvivor(model: TableModel, finals: readonly Final[], baseRow: Cells): number {
  const n = finals.findIndex((f) => f.survivor.isBase);
  if (n >= 0 || model.key.length === 0) return n;
  const baseKey = pick(baseRow, model.keyIdx);
  return finals.findIndex((f) => sameKey(pick(f.cells, model.keyIdx), baseKey));
}

/** The target's row becomes the survivor's: an update of the columns that change, or nothing. */
function updateDraft(
  model: TableModel,
  hasher: DigestRowHasher,
  baseRow: Cells,
  f: Final,
): Draft | null {
  const changed = model.storedNames.filter((_, n) => {
    const i = model.storedIdx[n] ?? -1;
    return !cellEquals(baseRow[i] ?? null, f.cells[i] ?? null);
  });
  if (changed.length === 0) return null;
  return {
    action: {
      op: 'update',
      rule: f.rule,
      key: keyRow(model, pick(baseRow, model.keyIdx)),
      row: storedRow(model, f.cells),
      before: storedRow(model, baseRow),
      hash: hashOf(model, hasher, f.cells),
      beforeHash: hashOf(model, hasher, baseRow),
      columns: changed,
    },
    world: f.survivor.world,
    pure: f.pure,
    origKey: pick(f.survivor.cells, model.keyIdx),
    keyMerged: f.keyMerged,
  };
}

function deleteDraft(
  model: TableModel,
  hasher: DigestRowHasher,
  baseRow: Cells,
  d: Decision,
): Draft {
  return {
    action: {
      op: 'delete',
      rule: d.dropRule,
      key: keyRow(model, pick(baseRow, model.keyIdx)),
      before: storedRow(model, baseRow),
      beforeHash: hashOf(model, hasher, baseRow),
    },
    world: null,
    pure: true,
    origKey: null,
  };
}

function insertDraft(model: TableModel, hasher: DigestRowHasher, f: Final): Draft {
  const verbatim = f.survivor.world === 'backup' && f.rewritten.length === 0 && !f.move;
  return {
    action: {
      op: 'insert',
      rule: f.rule,
      key: keyRow(model, pick(f.cells, model.keyIdx)),
      row: storedRow(model, f.cells),
      copyOf: verbatim && model.key.length > 0 ? 'backup' : null,
      hash: hashOf(model, hasher, f.cells),
    },
    world: f.survivor.world,
    pure: f.pure,
    origKey: pick(f.survivor.cells, model.keyIdx),
    keyMerged: f.keyMerged,
  };
}

interface Final {
  readonly survivor: Survivor;
  readonly cells: Cell[];
  readonly rule: string;
  /** labels of the references rewritten in this row */
  readonly rewritten: readonly string[];
  /** the row's key changed (a fresh id, or a key that embeds a moved parent's id) */
  readonly move: Move | null;
  readonly pure: boolean;
  /** the key changed with a merged parent's (see Draft.keyMerged) */
  readonly keyMerged: boolean;
}

/** A survivor with its references followed and, when it is the remapped row, its fresh id. */
function finish(model: TableModel, book: RemapView, s: Survivor): Final {
  const cells = [...s.cells];
  const { rewritten, merged } = followReferences(model, book, s, cells);
  const origKey = pick(s.cells, model.keyIdx);
  const rc = model.remapColumn;
  if (s.moves && rc) {
    const to = book.lookupMove(model.name, s.world, origKey);
    if (!to)
      throw new Error(`${model.name}: no fresh id was handed out for ${JSON.stringify(origKey)}`);
    cells[rc.idx] = to[model.key.indexOf(rc.name)] ?? null;
  }
  const key = pick(cells, model.keyIdx);
  // The final key (a fresh id, and/or a key that embeds a moved parent's id): this row's own
  // children follow it there.
  const move =
    model.key.length > 0 && !sameKey(key, origKey)
      ? { table: model.name, world: s.world, from: origKey, to: key }
      : null;
  const notes = rewritten.length > 0 ? `; follows ${rewritten.join(', ')}` : '';
  const pure = model.uniqueKeys.every((u) =>
    u.columns.every((c) => {
      const i = columnIndex(model, c);
      return i === undefined || cellEquals(cells[i] ?? null, s.cells[i] ?? null);
    }),
  );
  return {
    survivor: s,
    cells,
    rule: `${s.rule}${notes}`,
    rewritten,
    move,
    pure,
    keyMerged: move !== null && merged,
  };
}

/**
 * Rewrites, in `cells`, every reference whose parent row moved; returns their labels, and
 * whether a reference embedded in the key followed a merge.
 */
function followReferences(
  model: TableModel,
  book: RemapView,
  s: Survivor,
  cells: Cell[],
): { rewritten: string[]; merged: boolean } {
  const rewritten: string[] = [];
  let merged = false;
  model.refs.forEach((r, j) => {
    const tuple = refValues(r, cells);
    if (tuple === null) return; // a NULL reference points nowhere
    const world = s.refWorlds[j] ?? s.world;
    const to = book.lookup(r.parent, world, tuple);
    if (!to || sameKey(to, tuple)) return;
    if (!setRefValues(r, cells, to)) return;
    rewritten.push(r.label);
    if (r.keyEmbedded && book.lookupMerge(r.parent, world, tuple)) merged = true;
  });
  return { rewritten, merged };
}

function baseRowOf(model: TableModel, e: Entry): Cells | null {
  if (e.cls === 'identical') return e.row;
  return sideRow(e, model.base);
}

function sideRow(e: Entry, w: World): Cells | null {
  switch (e.cls) {
    case 'identical':
      return e.row;
    case 'onlyBackup':
      return w === 'backup' ? e.row : null;
    case 'onlyInterim':
      return w === 'interim' ? e.row : null;
    default:
      return w === 'backup' ? e.backup : e.interim;
  }
}

function sameKey(a: readonly Cell[], b: readonly Cell[]): boolean {
  return a.length === b.length && a.every((c, n) => cellEquals(c, b[n] ?? null));
}

export function keyRow(model: TableModel, key: readonly Cell[]): Row {
  const out: Record<string, Cell> = {};
  model.key.forEach((k, n) => {
    out[k] = key[n] ?? null;
  });
  return out;
}

/** A row image as actions carry it: the stored columns, then generated key columns (model.rowNames). */
export function storedRow(model: TableModel, cells: Cells): Row {
  return rowOf(cells, model.rowNames, model.rowIdx);
}

export function hashOf(model: TableModel, hasher: DigestRowHasher, cells: Cells): string {
  return hex64(hasher.hash(rawOf(cells, model.storedIdx)));
}
