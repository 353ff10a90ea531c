import type { Cell, Row } from '../cell/cells.js';
import { type Cells, cellEquals, pick, rawOf, rowOf } from '../cell/cells.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { hex64 } from '../hash/xxhash.js';
import type { Decision, Entry, Survivor } from './decide.js';
import type { Action } from './format.js';
import type { RemapBook } from './remap-book.js';
import { columnIndex, type TableModel, type World } from './table-model.js';

/** An action as first written, with what the unique-key check needs to know about it. */
export interface Draft {
  readonly action: Action;
  /** the side a written row comes from (null for deletes and unresolved) */
  readonly world: World | null;
  /** the written row's unique-key values are its side's own (no reference rewrote them) */
  readonly pure: boolean;
  /** the written row's key on its side, before any move */
  readonly origKey: Cell[] | null;
}

/** The rows a key ends with, rewritten, and the actions that take the target there. Pure but for `book`, which learns key moves. */
export function materialize(
  model: TableModel,
  book: RemapBook,
  hasher: DigestRowHasher,
  entry: Entry,
  d: Decision,
): Draft[] {
  const baseRow = baseRowOf(model, entry);
  const out: Draft[] = [];
  if (d.unresolved) {
    const key = pick(
      baseRow ?? sideRow(entry, 'backup') ?? (sideRow(entry, 'interim') as Cells),
      model.keyIdx,
    );
    const b = sideRow(entry, 'backup');
    const i = sideRow(entry, 'interim');
    out.push({
      action: {
        op: 'unresolved',
        rule: d.unresolved.rule,
        key: keyRow(model, key),
        reason: d.unresolved.reason,
        backup: b ? storedRow(model, b) : null,
        interim: i ? storedRow(model, i) : null,
      },
      world: null,
      pure: true,
      origKey: null,
    });
    return out;
  }

  const finals = d.survivors.map((s) => finish(model, book, s));
  const used = new Set<number>();
  if (baseRow) {
    const baseKey = pick(baseRow, model.keyIdx);
    let n = finals.findIndex((f) => f.survivor.isBase);
    if (n < 0 && model.key.length > 0)
      n = finals.findIndex((f) => sameKey(pick(f.cells, model.keyIdx), baseKey));
    const f = finals[n];
    if (f) {
      used.add(n);
      const changed = model.storedNames.filter((_, n) => {
        const i = model.storedIdx[n] as number;
        return !cellEquals(baseRow[i] ?? null, f.cells[i] ?? null);
      });
      if (changed.length > 0) {
        out.push({
          action: {
            op: 'update',
            rule: f.rule,
            key: keyRow(model, baseKey),
            row: storedRow(model, f.cells),
            before: storedRow(model, baseRow),
            hash: hashOf(model, hasher, f.cells),
            beforeHash: hashOf(model, hasher, baseRow),
            columns: changed,
          },
          world: f.survivor.world,
          pure: f.pure,
          origKey: pick(f.survivor.cells, model.keyIdx),
        });
      }
    } else {
      out.push({
        action: {
          op: 'delete',
          rule: d.dropRule,
          key: keyRow(model, baseKey),
          before: storedRow(model, baseRow),
          beforeHash: hashOf(model, hasher, baseRow),
        },
        world: null,
        pure: true,
        origKey: null,
      });
    }
  }
  finals.forEach((f, n) => {
    if (used.has(n)) return;
    const verbatim = f.survivor.world === 'backup' && f.rewritten.length === 0 && !f.keyChanged;
    out.push({
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
    });
  });
  return out;
}

interface Final {
  readonly survivor: Survivor;
  readonly cells: Cell[];
  readonly rule: string;
  readonly rewritten: readonly string[];
  readonly keyChanged: boolean;
  readonly pure: boolean;
}

/** A survivor with its references followed and, when it is the remapped row, its fresh id. */
function finish(model: TableModel, book: RemapBook, s: Survivor): Final {
  const cells = [...s.cells];
  const rewritten: string[] = [];
  model.refs.forEach((r, j) => {
    const tuple = pick(cells, r.colIdx);
    if (tuple.some((c) => c === null)) return; // a NULL reference points nowhere
    const to = book.lookup(r.parent, s.refWorlds[j] as World, tuple);
    if (!to || sameKey(to, tuple)) return;
    r.colIdx.forEach((ci, n) => {
      cells[ci] = to[n] ?? null;
    });
    rewritten.push(r.label);
    book.countFollowed(r.label);
  });
  const origKey = pick(s.cells, model.keyIdx);
  let notes = '';
  const rc = model.remapColumn;
  if (s.moves && rc) {
    const to = book.lookupMove(model.name, s.world, origKey);
    if (!to)
      throw new Error(`${model.name}: no fresh id was handed out for ${JSON.stringify(origKey)}`);
    cells[rc.idx] = to[model.key.indexOf(rc.name)] ?? null;
  }
  if (model.key.length > 0) {
    const key = pick(cells, model.keyIdx);
    // The final key (a fresh id, and/or a key that embeds a moved parent's id): this row's
    // own children follow it there.
    if (!sameKey(key, origKey)) book.addMove(model.name, s.world, origKey, key);
  }
  if (rewritten.length > 0) notes = `; follows ${rewritten.join(', ')}`;
  const keyChanged = !sameKey(pick(cells, model.keyIdx), origKey);
  const pure = model.uniqueKeys.every((u) =>
    u.columns.every((c) => {
      const i = columnIndex(model, c);
      return i === undefined || cellEquals(cells[i] ?? null, s.cells[i] ?? null);
    }),
  );
  return { survivor: s, cells, rule: `${s.rule}${notes}`, rewritten, keyChanged, pure };
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

export function storedRow(model: TableModel, cells: Cells): Row {
  return rowOf(cells, model.storedNames, model.storedIdx);
}

export function hashOf(model: TableModel, hasher: DigestRowHasher, cells: Cells): string {
  return hex64(hasher.hash(rawOf(cells, model.storedIdx)));
}
