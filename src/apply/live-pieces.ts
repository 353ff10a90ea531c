/**
 * `apply --live`: a copy action (up to 10,000 restored rows) is written in pieces, each in a
 * transaction of its own with its journal row, so that no transaction holds the locks of more
 * rows than the run's time target allows (the application's writes near restored keys wait for
 * the batch holding them, and a multi-row INSERT that waits on the application's gap locks
 * while holding thousands of row locks queues every write behind it).
 *
 * The check stays as strict as a whole action's: before the first piece, the backup's rows at
 * every key of the action are read once and hashed, piece by piece; their total must be the
 * plan's count and sum (else nothing is written: the backup changed since the plan), and each
 * piece then checks what it copies against its own part of that total, inside its transaction.
 *
 * A piece's journal row covers no action ([first, first)) but the last one ([first, first + 1)),
 * so a resumed run starts the action again: it leaves out the keys earlier pieces copied or
 * deferred (their journal rows say which), and checks the rest against the plan less the
 * backup's rows at those keys.
 */
import { rawFromCell } from '../cell/cell-codec.js';
import type { Cell } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { type Digest, DigestAccumulator } from '../hash/digest.js';
import { compactKeys, keyCells, keySetCondition, type TableShape } from '../sql/statements.js';
import type { Batch } from './batches.js';
import { type JournalBatch, readUndo } from './journal.js';
import { allKeys, keyPositions, keyRow, rawKey, setOf } from './live-rows.js';
import type { CopyAction } from './restore-run.js';
import type { BatchTarget } from './run-batch.js';

/** Rows of the smallest piece: pieces are made of these units, each with its digest. */
const UNIT = 20;

/**
 * The pieces of a batch that is one copy action of more rows than `size()` says now (null: the
 * batch runs whole). Each piece takes as many rows as `size()` says when it is cut, so pieces
 * follow the run's time target while the action goes on. `journal` is what the journal held
 * when the run began (for a resumed action).
 */
export async function copyPieces(
  t: BatchTarget,
  batch: Batch,
  size: () => number,
  journal: {
    readonly schema: string;
    readonly planId: string;
    readonly batches: readonly JournalBatch[];
  },
): Promise<Iterable<Batch> | null> {
  const [a, ...rest] = batch.actions;
  const source = t.restore;
  // Keys are matched by their bytes: a text key (a collation may store other bytes) runs whole.
  const textKey = t.shape.key.some((c) => c.family === 'text');
  if (a?.op !== 'copy' || source === null || t.shape.key.length === 0 || textKey) return null;
  const sh = t.shape;
  // A resumed action some of whose pieces were written runs alone, less those pieces' keys.
  const done = await doneKeys(t.session, sh, batch, journal);
  if (done.size === 0 && (rest.length > 0 || a.count <= Math.max(UNIT, size()))) return null;
  const left = allKeys(setOf(sh, a)).filter((k) => !done.has(rawKey(k.map(rawFromCell))));
  const units: Cell[][][] = [];
  for (let i = 0; i < left.length; i += UNIT) units.push(left.slice(i, i + UNIT));
  const session = source.kind === 'same-server' ? t.session : source.session;
  const digests = await unitDigests(session, { ...sh, schema: source.schema }, t, a, units);
  return cut(sh, batch, a, rest, { units, digests }, size);
}

/** The pieces, cut one at a time as the loop asks for them; then the batch's other actions. */
function* cut(
  sh: TableShape,
  batch: Batch,
  a: CopyAction,
  rest: Batch['actions'],
  { units, digests }: { readonly units: readonly Cell[][][]; readonly digests: readonly Digest[] },
  size: () => number,
): Generator<Batch> {
  let u = 0;
  while (u < units.length) {
    const keys: Cell[][] = [];
    const acc = new DigestAccumulator();
    const want = Math.max(UNIT, size());
    while (u < units.length && keys.length < want) {
      keys.push(...(units[u] ?? []));
      acc.addDigest(digests[u] ?? { count: '0', sum: '0000000000000000' });
      u++;
    }
    const set = compactKeys(sh, keys);
    const d = acc.toDigest();
    const piece: CopyAction = {
      ...a,
      keys: set.keys.map((k) => keyRow(sh, k)),
      ranges: set.ranges,
      count: Number(d.count),
      sum: d.sum,
    };
    // Only the action's last piece ends it in the journal.
    const end = u === units.length ? batch.first + 1 : batch.first;
    yield { ...batch, end, actions: [piece] };
  }
  // Every key copied or deferred already: the action's last journal row is still to be written.
  if (units.length === 0) yield { ...batch, end: batch.first + 1, actions: [] };
  if (rest.length > 0) yield { ...batch, first: batch.first + 1, actions: rest };
}

/** Keys of the action that earlier pieces (journal rows covering no action) copied or deferred. */
async function doneKeys(
  s: Session,
  sh: TableShape,
  batch: Batch,
  journal: {
    readonly schema: string;
    readonly planId: string;
    readonly batches: readonly JournalBatch[];
  },
): Promise<Set<string>> {
  const out = new Set<string>();
  const partial = journal.batches.filter(
    (b) =>
      b.table === batch.table &&
      b.phase === batch.phase &&
      b.first === batch.first &&
      b.end === batch.first,
  );
  for (const b of partial) {
    const rec = await readUndo(s, journal.schema, journal.planId, b.seq);
    for (const step of rec.steps) {
      if (step.op !== 'unInsert') continue;
      for (const k of allKeys({ keys: step.keys, ranges: step.ranges ?? [] }))
        out.add(rawKey(k.map(rawFromCell)));
    }
    for (const d of rec.deferred ?? [])
      out.add(rawKey(keyCells(sh, d.key, sh.name).map(rawFromCell)));
  }
  return out;
}

/**
 * The backup's rows at the action's keys, read once and hashed as a copy checks them: one
 * digest per unit. All of them (those at keys earlier pieces did too) must make the plan's
 * count and sum.
 */
async function unitDigests(
  session: Session,
  bsh: TableShape,
  t: BatchTarget,
  a: CopyAction,
  units: readonly Cell[][][],
): Promise<Digest[]> {
  const piece = new Map<string, number>();
  for (const [i, keys] of units.entries())
    for (const k of keys) piece.set(rawKey(k.map(rawFromCell)), i);
  const accs = units.map(() => new DigestAccumulator());
  const total = new DigestAccumulator();
  const where = keySetCondition(bsh, setOf(bsh, a));
  const cols = bsh.columns.map((c) => quoteId(c.name)).join(', ');
  const keyPos = keyPositions(bsh);
  for await (const r of session.streamRaw(
    `SELECT ${cols} FROM ${quoteTable(bsh.schema ?? '', bsh.name)} WHERE ${where.sql}`,
    where.params,
  )) {
    const h = t.check.hasher.hash(r);
    total.add(h);
    const at = rawKey(keyPos.map((p) => r[p] ?? null));
    const i = piece.get(at);
    if (i !== undefined) accs[i]?.add(h);
  }
  const got = total.toDigest();
  if (got.count !== String(a.count) || got.sum !== a.sum) {
    throw new PreconditionError(
      'backup-changed',
      `${bsh.schema}.${bsh.name}: the ${a.count} rows a copy action restores are not the rows the plan saw (${got.count} in the backup, sum ${got.sum}, expected ${a.sum}): the backup changed since the plan (nothing of the action written)`,
      { table: `${t.shape.schema}.${t.shape.name}` },
    );
  }
  return accs.map((acc) => acc.toDigest());
}
