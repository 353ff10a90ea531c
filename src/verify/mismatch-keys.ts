/**
 * Which keys a mismatching table holds differently from the plan: each of the plan's actions
 * checked against the target's row at its key, so a DBA gets `id=5: differs` instead of two
 * digest sums. Run by verify only on a table whose digest did not match (a table that matches
 * costs nothing more); one pass over the table's action file, key lookups in batches.
 *
 * What can be named, and what cannot:
 * - an insert or update: the row at its (new) key must be there, with the plan's row hash;
 * - a delete, and the old key of an update that moves a row (a remapped id): the key must be
 *   empty, unless another action of the plan writes a row there;
 * - a copy (rows restored unchanged from the backup): see copy-bisect.ts;
 * - rows the plan did not touch: the plan holds only their digest, so a difference there is
 *   said, not located.
 */

import type { TableRun } from '../apply/plan-tables.js';
import { rawFromCell } from '../cell/cell-codec.js';
import { type Cell, type Row, tupleKey } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { rowDigestHasher } from '../diff/table-digest.js';
import type { Hash64 } from '../hash/xxhash.js';
import type { Action } from '../plan/format.js';
import { readActions } from '../plan/plan-files.js';
import { keyCells, type TableShape } from '../sql/statements.js';
import { checkCopy, copyContext, keyRow } from './copy-bisect.js';
import { LOOKUP_KEYS, rowsAtKeys } from './key-rows.js';
import { Finding, type MismatchKey } from './mismatch-finding.js';

export interface MismatchKeys {
  /** the first MISMATCH_KEYS_SHOWN found (rows written looked up in batches, restored rows as they come) */
  readonly listed: readonly MismatchKey[];
  /** every mismatch found among the plan's actions (keys, and rows restored not narrowed to one) */
  readonly found: number;
  readonly actionsChecked: number;
  /** why nothing could be named, or where the rest of the difference is; null when not needed */
  readonly note: string | null;
}

interface Write {
  readonly cells: Cell[];
  readonly key: Row;
  readonly hash: bigint;
  readonly op: 'insert' | 'update';
}

/** A key the plan empties: a delete's, or the old key of a row an update moves. */
interface Emptied {
  readonly cells: Cell[];
  readonly key: Row;
  /** the moved row's new key, or null for a delete */
  readonly to: Row | null;
}

/**
 * @param backup the backup's schema when the target's session can read it (same server), to
 *   narrow restored rows that differ down to their keys; null otherwise
 */
export async function findMismatchKeys(
  s: Session,
  dir: string,
  run: TableRun,
  hash64: Hash64,
  backup: string | null,
  /**
   * verify --live: what to check of the action at `index` (the action itself, a narrowed copy,
   * or null to pass it over: an action a live apply deferred)
   */
  only?: (index: number, a: Action) => Promise<Action | null>,
): Promise<MismatchKeys> {
  const sh = run.shape;
  if (sh.key.length === 0) {
    return {
      listed: [],
      found: 0,
      actionsChecked: 0,
      note: 'the table has no key: its rows cannot be named one by one',
    };
  }
  const method = run.plan.digestMethod;
  const hasher = rowDigestHasher(run.info, method, hash64);
  const rowHash = (row: Row): bigint =>
    hasher.hash(run.plan.columns.map((c) => rawFromCell(row[c] ?? null)));
  const found = new Finding();
  const copies = copyContext(s, sh, { method, hasher }, backup, found);
  const written = new Set<string>();
  const writtenRanges: [bigint, bigint][] = [];
  const emptied: Emptied[] = [];
  let pending: Write[] = [];
  let checked = 0;
  let index = -1;
  for await (const given of readActions(dir, run.plan.file)) {
    index++;
    const a = only ? await only(index, given) : given;
    if (a === null || a.op === 'unresolved') continue;
    checked++;
    if (a.op === 'insert' || a.op === 'update') {
      const cells = keyCells(sh, a.row, `${sh.name} ${a.op}`);
      written.add(tupleKey(cells));
      pending.push({ cells, key: keyRow(sh, cells), hash: rowHash(a.row), op: a.op });
      if (a.op === 'update') {
        const old = keyCells(sh, a.key, `${sh.name} update`);
        if (tupleKey(old) !== tupleKey(cells))
          emptied.push({ cells: old, key: a.key, to: keyRow(sh, cells) });
      }
      if (pending.length >= LOOKUP_KEYS) {
        await checkWrites(s, sh, pending, hasher.hash.bind(hasher), found);
        pending = [];
      }
    } else if (a.op === 'delete') {
      emptied.push({ cells: keyCells(sh, a.key, `${sh.name} delete`), key: a.key, to: null });
    } else {
      for (const k of a.keys) written.add(tupleKey(keyCells(sh, k, `${sh.name} copy`)));
      for (const [lo, hi] of a.ranges) writtenRanges.push([BigInt(lo), BigInt(hi)]);
      await checkCopy(copies, a);
    }
  }
  await checkWrites(s, sh, pending, hasher.hash.bind(hasher), found);
  const empty = emptied.filter(
    (d) => !written.has(tupleKey(d.cells)) && !inRanges(writtenRanges, d.cells),
  );
  await checkEmptied(s, sh, empty, found);
  return {
    listed: found.listed,
    found: found.count,
    actionsChecked: checked,
    note:
      found.count === 0
        ? `every one of the plan's ${checked.toLocaleString('en-US')} actions holds on the target: the difference is in rows the plan did not touch (changed since the plan, by something else)`
        : null,
  };
}

/** The rows the plan writes, looked up at their keys and hashed as the digest hashes them. */
async function checkWrites(
  s: Session,
  sh: TableShape,
  writes: readonly Write[],
  hash: (values: readonly (Buffer | null)[]) => bigint,
  found: Finding,
): Promise<void> {
  const rows = await rowsAtKeys(
    s,
    sh,
    writes.map((w) => w.cells),
  );
  const stored = sh.columns.length;
  writes.forEach((w, n) => {
    const r = rows[n];
    if (r !== undefined && hash(r.length > stored ? r.slice(0, stored) : r) === w.hash) return;
    const verb = w.op === 'insert' ? 'inserts' : 'writes';
    found.add({
      key: w.key,
      range: null,
      rows: 1,
      problem: r === undefined ? 'missing' : 'differs',
      detail:
        r === undefined
          ? `the plan ${verb} a row at this key; the target has none`
          : `the row at this key is not the one the plan ${verb}`,
    });
  });
}

/** Keys the plan empties and no action writes again: a row there is one the plan removed. */
async function checkEmptied(
  s: Session,
  sh: TableShape,
  emptied: readonly Emptied[],
  found: Finding,
): Promise<void> {
  const rows = await rowsAtKeys(
    s,
    sh,
    emptied.map((d) => d.cells),
  );
  emptied.forEach((d, n) => {
    if (rows[n] === undefined) return;
    found.add({
      key: d.key,
      range: null,
      rows: 1,
      problem: 'still-present',
      detail:
        d.to === null
          ? 'the plan deletes this row; the target still holds a row here'
          : `the plan moves this row to ${JSON.stringify(d.to)}; the target still holds a row here`,
    });
  });
}

function inRanges(ranges: readonly [bigint, bigint][], cells: readonly Cell[]): boolean {
  const only = cells.length === 1 ? cells[0] : undefined;
  if (ranges.length === 0 || typeof only !== 'string' || !/^-?\d+$/.test(only)) return false;
  const v = BigInt(only);
  return ranges.some(([lo, hi]) => v >= lo && v <= hi);
}
