import type { Logger } from 'pino';
import { rawFromCell } from '../cell/cell-codec.js';
import type { Row } from '../cell/cells.js';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import { type DbTarget, withSchema } from '../db/url.js';
import { type KeySpan, rowDigestHasher, tableDigestsWithSpans } from '../diff/table-digest.js';
import { type Digest, DigestAccumulator, digestEquals } from '../hash/digest.js';
import { loadHash64 } from '../hash/xxhash.js';
import { must } from '../must.js';
import { readActions } from '../plan/plan-files.js';
import { appliedEnds, type JournalState } from './journal.js';
import type { PlanSession } from './plan-session.js';
import type { TableRun } from './plan-tables.js';

/**
 * Connections the target's digests are read with: by the stale check, by verify (whose integrity
 * checks share them) and by the check after rollback. More than the cores: on the 2-core bench
 * machine, verify of 10M rows took 4.5-5.5 s with 2, 4.0-4.5 s with 3, 3.8-4.1 s with 4 and
 * 3.3-3.5 s with 6 (`CHECKSUM TABLE` of the three tables at once: 2.0-2.1 s); the server
 * overlaps one query's waits with another's work.
 */
export const DIGEST_CONCURRENCY = 6;

/**
 * Reads the digests of the tables in `schema` on `server`, all in one consistent snapshot (so a
 * concurrent writer cannot make two tables disagree with each other).
 */
export async function readDigests(
  server: DbTarget,
  schema: string,
  runs: readonly TableRun[],
  logger: Logger,
  concurrency = DIGEST_CONCURRENCY,
): Promise<Map<string, Digest>> {
  const pool = await openSnapshotPool(withSchema(server, schema), logger, concurrency);
  try {
    return await digestsOn(pool, schema, runs);
  } finally {
    await pool.close();
  }
}

/**
 * `size` connections to `target`, each inside one consistent snapshot (SessionPool), connected
 * all at once rather than one after another: a connection is a few round trips each.
 */
export async function openSnapshotPool(
  target: DbTarget,
  logger: Logger,
  size: number,
): Promise<SessionPool> {
  const pending = Array.from({ length: size }, () => connect(target, { logger }));
  const settled = Promise.allSettled(pending);
  let taken = 0;
  try {
    return await SessionPool.open(size, () => must(pending[taken++], 'connection'), {
      snapshot: true,
    });
  } catch (e) {
    // The pool closed those it took; close those it never reached.
    for (const r of (await settled).slice(taken))
      if (r.status === 'fulfilled') await r.value.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The digests of the plan's tables in `schema`, read over `pool` (all tables' pieces in one
 * queue: see tableDigestsBy).
 */
export async function digestsOn(
  pool: SessionPool,
  schema: string,
  runs: readonly TableRun[],
): Promise<Map<string, Digest>> {
  return (await digestsWithSpansOn(pool, schema, runs, new Set())).digests;
}

/** digestsOn, and the KeySpans of the tables in `spansOf` that have them (tableDigestsWithSpans). */
export async function digestsWithSpansOn(
  pool: SessionPool,
  schema: string,
  runs: readonly TableRun[],
  spansOf: ReadonlySet<string>,
): Promise<{ digests: Map<string, Digest>; spans: Map<string, KeySpan[]> }> {
  const tables = runs.map((r) => ({
    table: r.info,
    method: r.plan.digestMethod,
    keySpans: spansOf.has(r.plan.table),
  }));
  const read = await tableDigestsWithSpans(pool, schema, tables);
  const digests = new Map<string, Digest>();
  const spans = new Map<string, KeySpan[]>();
  for (const [i, r] of runs.entries()) {
    const d = read.digests[i];
    if (d) digests.set(r.plan.table, d);
    const k = read.spans[i];
    if (k) spans.set(r.plan.table, k);
  }
  return { digests, spans };
}

/**
 * What each table's digest must be when actions [0, end) of it are applied: its *before*
 * digest, less the rows those actions removed, plus the rows they wrote. A table with nothing
 * applied must match *before*; a table whose every action is applied, *after*.
 */
export async function digestsAt(
  dir: string,
  runs: readonly TableRun[],
  applied: ReadonlyMap<string, number>,
): Promise<Map<string, Digest>> {
  const out = new Map<string, Digest>();
  const hash64 = await loadHash64();
  for (const r of runs) {
    const end = applied.get(r.plan.table) ?? 0;
    if (end === 0) {
      out.set(r.plan.table, r.plan.digestBefore);
      continue;
    }
    if (end >= r.plan.lines) {
      out.set(r.plan.table, r.plan.digestAfter);
      continue;
    }
    // The actions' row images, hashed as the table's digests hash rows (its digestMethod).
    const hasher = rowDigestHasher(r.info, r.plan.digestMethod, hash64);
    const h = (row: Row): bigint =>
      hasher.hash(r.plan.columns.map((c) => rawFromCell(row[c] ?? null)));
    const acc = new DigestAccumulator(r.plan.digestBefore);
    let i = 0;
    for await (const a of readActions(dir, r.plan.file, `${r.shape.schema}.${r.plan.table}`)) {
      if (i++ >= end) break;
      if (a.op === 'insert') acc.add(h(a.row));
      else if (a.op === 'update') {
        acc.remove(h(a.before));
        acc.add(h(a.row));
      } else if (a.op === 'delete') acc.remove(h(a.before));
      else if (a.op === 'copy') acc.addDigest({ count: String(a.count), sum: a.sum });
    }
    out.set(r.plan.table, acc.toDigest());
  }
  return out;
}

export function hashOf(hex: string): bigint {
  return BigInt(`0x${hex}`);
}

export interface DigestMismatch {
  readonly table: string;
  readonly expected: Digest;
  readonly actual: Digest;
}

export function digestMismatches(
  expected: ReadonlyMap<string, Digest>,
  actual: ReadonlyMap<string, Digest>,
): DigestMismatch[] {
  const out: DigestMismatch[] = [];
  for (const [table, e] of expected) {
    const a = actual.get(table);
    if (!a || !digestEquals(a, e)) out.push({ table, expected: e, actual: a ?? e });
  }
  return out;
}

/**
 * The table the first mismatch is about, as `schema.table` (the one `describeMismatches` names
 * first): a refusal's `table`.
 */
export function firstMismatchTable(
  schema: string,
  m: readonly DigestMismatch[],
): string | undefined {
  const first = m[0];
  return first ? `${schema}.${first.table}` : undefined;
}

/** "orders has 1,203 rows (sum 9f…), expected 1,200 (sum 1c…); and 2 more tables" */
export function describeMismatches(m: readonly DigestMismatch[]): string {
  const first = m[0];
  if (!first) return 'no mismatch';
  const n = (d: Digest): string => Number(d.count).toLocaleString('en-US');
  const head =
    first.actual.count === first.expected.count
      ? `${first.table} has the expected ${n(first.actual)} rows but other contents (sum ${first.actual.sum}, expected ${first.expected.sum})`
      : `${first.table} has ${n(first.actual)} rows, expected ${n(first.expected)}`;
  return m.length > 1 ? `${head}; and ${m.length - 1} more table${m.length > 2 ? 's' : ''}` : head;
}

/**
 * The target's digests now, and where they differ from what the plan and this plan's journal
 * say it holds: the before digests, moved on by the batches the journal records.
 */
export async function journalDrift(
  ps: PlanSession,
  journal: JournalState,
): Promise<{ readonly now: Map<string, Digest>; readonly drift: DigestMismatch[] }> {
  const expected = await digestsAt(ps.dir, ps.runs, appliedEnds(journal));
  const now = await readDigests(ps.server, ps.schema, ps.runs, ps.logger);
  return { now, drift: digestMismatches(expected, now) };
}
