import { type Cell, type Cells, decodeCells, pick, tupleKey } from '../cell/cells.js';
import type { IncidentStart } from '../config/incident-time.js';
import type { DigestRowHasher } from '../hash/digest.js';
import { type CollisionReason, takesFreshId } from './collision.js';
import { decide, type Entry } from './decide.js';
import type { DraftFiles } from './drafts.js';
import type { ClassCounts } from './format.js';
import { materialize } from './materialize.js';
import type { RemapBook } from './remap-book.js';
import { type FetchedRow, LOOKUP_BATCH, type RowQuery } from './row-query.js';
import { readSpool, type SpoolRecord } from './spool.js';
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

/** Decides one key and writes its drafts; records its moves in the book. */
type Emit = (e: Entry, times?: number) => Promise<void>;

/**
 * Decides every differing row of a table (from its spool) and every identical row whose
 * references must follow a moved parent, and writes the resulting actions as drafts. Returns
 * the table's counts by class. Runs after the table's parents (write order), so their moves
 * and merges are known.
 */
export async function draftTable(t: TableInputs, drafts: DraftFiles): Promise<ClassCounts> {
  const counts: ClassCounts = {
    identical: t.identical,
    changed: 0,
    onlyBackup: 0,
    onlyInterim: 0,
    collision: 0,
  };
  const emit: Emit = async (e, times = 1) => {
    const out = materialize(t.model, t.book, t.hasher, e, decide(t.model, e));
    t.book.record(out);
    for (const d of out.drafts) await drafts.write(d, times);
  };
  for (const path of t.spools) {
    for await (const r of readSpool(path)) {
      const e = entryOf(t, r);
      counts[e.cls] += 'enc' in r ? r.count : 1;
      await emit(e, 'enc' in r && t.model.key.length === 0 ? r.count : 1);
    }
  }
  await draftFollowers(t, counts, emit);
  return counts;
}

/** A spooled row as an entry; a pair whose key embeds a moved parent collides by parent. */
function entryOf(t: TableInputs, r: SpoolRecord): Entry {
  const { model } = t;
  if ('enc' in r) return { cls: r.kind, row: decodeCells(model.columns, r.enc) };
  const backup = decodeCells(model.columns, r.backup);
  const interim = decodeCells(model.columns, r.interim);
  const found: CollisionReason | null = r.kind === 'collision' ? r.reason : null;
  const reason = embedsMovedParent(model, t.book, backup) ? 'parent' : found;
  if (reason === 'parent' && found !== null && takesFreshId(model, found)) {
    // The fresh-id pass gave this row an id (it ran before any table was planned, so before
    // the moves of parents that follow their own parents were known); it follows its parent's
    // key instead.
    t.book.dropMove(model.name, model.policy.remap, pick(interim, model.keyIdx));
  }
  return reason === null
    ? { cls: 'changed', backup, interim }
    : { cls: 'collision', reason, backup, interim };
}

/**
 * Identical rows the diff did not hand over, found by their references to moved parents.
 * A key that embeds a moved parent's id makes two entities of one identical row; others are
 * the backup's rows (they predate the incident) and follow the backup's moves and merges.
 */
async function draftFollowers(t: TableInputs, counts: ClassCounts, emit: Emit): Promise<void> {
  const { model } = t;
  const refs = [...model.refs].sort((a, b) => Number(b.keyEmbedded) - Number(a.keyEmbedded));
  const seen = new Set<string>();
  for (const r of refs) {
    const tuples = parentKeys(t.book, r);
    for (let o = 0; o < tuples.length; o += LOOKUP_BATCH) {
      const part = tuples.slice(o, o + LOOKUP_BATCH);
      const [b, i] = await Promise.all([
        t.backup.byReference(r, part),
        t.interim.byReference(r, part),
      ]);
      if (model.key.length === 0) {
        for (const { row, hash, count } of identicalCopies(b, i)) {
          if (seen.has(hash)) continue;
          seen.add(hash);
          await emit({ cls: 'identical', row }, count);
        }
        continue;
      }
      for (const row of identicalKeyed(model, b, i)) {
        const k = tupleKey(pick(row, model.keyIdx));
        if (seen.has(k)) continue;
        seen.add(k);
        if (r.keyEmbedded) {
          counts.identical--;
          counts.collision++;
          await emit({ cls: 'collision', reason: 'parent', backup: row, interim: row });
        } else {
          await emit({ cls: 'identical', row });
        }
      }
    }
  }
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
