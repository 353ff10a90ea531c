import type { Cell } from '../cell/cells.js';
import { type Cells, decodeCells, pick, tupleKey } from '../cell/cells.js';
import type { IncidentStart } from '../config/incident-time.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { COLLISION_BY_PARENT } from './classify.js';
import { decide, type Entry } from './decide.js';
import type { DraftFiles } from './drafts.js';
import type { ClassCounts } from './format.js';
import { materialize } from './materialize.js';
import type { RemapBook } from './remap-book.js';
import { type FetchedRow, LOOKUP_BATCH, type RowQuery } from './row-query.js';
import { readSpool } from './spool.js';
import type { Reference, TableModel } from './table-model.js';

export interface TableInputs {
  readonly model: TableModel;
  /** the diff's differing rows, by class, each in key order (see plan-diff.ts) */
  readonly spools: readonly string[];
  /** rows the diff found identical */
  readonly identical: number;
  readonly book: RemapBook;
  readonly hasher: DigestRowHasher;
  readonly incident: IncidentStart | null;
  readonly backup: RowQuery;
  readonly interim: RowQuery;
}

/**
 * Decides every differing row of a table (from its spool) and every identical row whose
 * references must follow a moved parent, and writes the resulting actions as drafts. Returns
 * the table's counts by class. Runs after the table's parents (write order), so their moves
 * and merges are known.
 */
export async function draftTable(t: TableInputs, drafts: DraftFiles): Promise<ClassCounts> {
  const { model } = t;
  const counts: ClassCounts = {
    identical: t.identical,
    changed: 0,
    onlyBackup: 0,
    onlyInterim: 0,
    collision: 0,
  };
  const emit = async (e: Entry, times = 1): Promise<void> => {
    for (const d of materialize(model, t.book, t.hasher, e, decide(model, e)))
      await drafts.write(d, times);
  };
  const keyed = model.key.length > 0;

  for (const path of t.spools) {
    for await (const r of readSpool(path)) {
      if ('enc' in r) {
        counts[r.kind] += r.count;
        await emit({ cls: r.kind, row: decodeCells(model.columns, r.enc) }, keyed ? 1 : r.count);
        continue;
      }
      const backup = decodeCells(model.columns, r.backup);
      const interim = decodeCells(model.columns, r.interim);
      const byParent = embedsMovedParent(model, t.book, backup);
      const tag = byParent ? COLLISION_BY_PARENT : r.kind === 'collision' ? r.tag : 0;
      if (byParent && r.kind === 'collision') {
        // The diff's pass gave this row a fresh id; it follows its parent's instead.
        t.book.dropMove(model.name, model.policy.remap, pick(interim, model.keyIdx));
      }
      const e: Entry =
        tag !== 0
          ? { cls: 'collision', tag, backup, interim }
          : { cls: 'changed', backup, interim };
      counts[e.cls]++;
      await emit(e);
    }
  }

  // Identical rows the diff did not hand over, found by their references to moved parents.
  // A key that embeds a moved parent's id makes two entities of one identical row; others are
  // the backup's rows (they predate the incident) and follow the backup's moves and merges.
  const refs = [...model.refs].sort((a, b) => Number(b.keyEmbedded) - Number(a.keyEmbedded));
  const seen = new Set<string>();
  for (const r of refs) {
    const tuples = parentKeys(t.book, r);
    for (let o = 0; o < tuples.length; o += LOOKUP_BATCH) {
      const part = tuples.slice(o, o + LOOKUP_BATCH);
      const [b, i] = await Promise.all([
        t.backup.byTuples(r.columns, part),
        t.interim.byTuples(r.columns, part),
      ]);
      if (keyed) {
        for (const row of identicalKeyed(model, b, i)) {
          const k = tupleKey(pick(row, model.keyIdx));
          if (seen.has(k)) continue;
          seen.add(k);
          if (r.keyEmbedded) {
            counts.identical--;
            counts.collision++;
            await emit({ cls: 'collision', tag: COLLISION_BY_PARENT, backup: row, interim: row });
          } else {
            await emit({ cls: 'identical', row });
          }
        }
      } else {
        for (const { row, hash, count } of identicalCopies(b, i)) {
          if (seen.has(hash)) continue;
          seen.add(hash);
          await emit({ cls: 'identical', row }, count);
        }
      }
    }
  }
  return counts;
}

/** The parent keys whose referencing identical rows need a look. */
function parentKeys(book: RemapBook, r: Reference): Cell[][] {
  if (!r.keyEmbedded) return book.movedKeys(r.parent, 'backup', 'all');
  const all = new Map<string, Cell[]>();
  for (const w of ['backup', 'interim'] as const) {
    for (const k of book.movedKeys(r.parent, w, 'moves')) all.set(tupleKey(k), k);
  }
  return [...all.values()];
}

/** Whether the row's key embeds the id of a parent row that moved on either side. */
function embedsMovedParent(model: TableModel, book: RemapBook, row: Cells): boolean {
  return model.refs.some((r) => {
    if (!r.keyEmbedded) return false;
    const tuple = pick(row, r.colIdx);
    return (
      book.lookupMove(r.parent, 'backup', tuple) !== undefined ||
      book.lookupMove(r.parent, 'interim', tuple) !== undefined
    );
  });
}

function identicalKeyed(
  model: TableModel,
  b: readonly FetchedRow[],
  i: readonly FetchedRow[],
): Cells[] {
  const byKey = new Map(b.map((r) => [tupleKey(pick(r.cells, model.keyIdx)), r]));
  const out: Cells[] = [];
  for (const r of i) {
    const other = byKey.get(tupleKey(pick(r.cells, model.keyIdx)));
    if (other && other.hash === r.hash && other.enc.equals(r.enc)) out.push(r.cells);
  }
  return out;
}

function identicalCopies(
  b: readonly FetchedRow[],
  i: readonly FetchedRow[],
): { row: Cells; hash: string; count: number }[] {
  const m = new Map<string, { row: Cells; b: number; i: number }>();
  for (const r of b) {
    const k = r.enc.toString('base64');
    const e = m.get(k) ?? { row: r.cells, b: 0, i: 0 };
    e.b++;
    m.set(k, e);
  }
  for (const r of i) {
    const e = m.get(r.enc.toString('base64'));
    if (e) e.i++;
  }
  return [...m.entries()]
    .filter(([, e]) => Math.min(e.b, e.i) > 0)
    .map(([hash, e]) => ({ row: e.row, hash, count: Math.min(e.b, e.i) }));
}
