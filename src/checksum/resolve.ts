import type { Chunk } from '../chunk/boundaries.js';
import { type ChunkDiff, type HashedRow, joinKeyedChunk } from '../diff/chunk-join.js';
import { compareListings, type KeyShape, type Listing } from './listing.js';

/** A key range: lo < key <= hi; a null bound is open. */
export type KeyRange = Pick<Chunk, 'lo' | 'hi'>;

/** A range's server-side checksum: row count and the exact sum of its 64-bit row hashes. */
export interface Checksum {
  readonly count: number;
  /** decimal text of the sum (exact: the server sums in DECIMAL) */
  readonly sum: string;
}

/** What the resolver asks of one side (a server, or a fake in tests). */
export interface SideOps {
  checksum(range: KeyRange): Promise<Checksum>;
  list(range: KeyRange): Promise<Listing>;
  /** the full rows of the given listed keys within the range, hashed, in key order */
  fetchKeys(range: KeyRange, keys: readonly string[]): Promise<HashedRow[]>;
  /** every full row of the range, hashed, in key order (the client path) */
  fetchRange(range: KeyRange): Promise<HashedRow[]>;
}

export interface ResolveTuning {
  /** a differing range of at most this many rows (per side) is read whole */
  readonly fetchRows: number;
  /** a differing range of at most this many rows is listed; a larger one is split first */
  readonly listRows: number;
  /** when more than this share of a listed range is suspect, the range is read whole */
  readonly maxSuspectShare: number;
  /** suspect keys fetched in one query (one IN list); a range with more is split first */
  readonly maxSuspects: number;
}

export const DEFAULT_TUNING: ResolveTuning = {
  fetchRows: 64,
  // A listed range whose rows mostly differ is read whole, both sides at once, in every worker:
  // 50,000 rows per listing put the diff and plan of 10M rows at 222-251 MB of peak RSS, 10,000
  // at 176-178 MB, in the same time (bench:scale, restore-heavy incident).
  listRows: 10_000,
  maxSuspectShare: 0.3,
  maxSuspects: 2000,
};

/** Where the work went, for the profile in logs and the bench. */
export interface ResolveCounters {
  checksumQueries: number;
  rowsChecksummed: number;
  listQueries: number;
  rowsListed: number;
  rowsFetched: number;
  /** listed keys whose hashes differed (or that one side lacked) */
  suspects: number;
  splits: number;
  /** wall time spent in each kind of step (both sides run in parallel within a step) */
  checksumMs: number;
  listMs: number;
  compareMs: number;
  fetchMs: number;
}

export function newCounters(): ResolveCounters {
  return {
    checksumQueries: 0,
    rowsChecksummed: 0,
    listQueries: 0,
    rowsListed: 0,
    rowsFetched: 0,
    suspects: 0,
    splits: 0,
    checksumMs: 0,
    listMs: 0,
    compareMs: 0,
    fetchMs: 0,
  };
}

export interface ResolveEnv {
  /** how the sides list keys */
  readonly shape: KeyShape;
  readonly backup: SideOps;
  readonly interim: SideOps;
  /**
   * Cuts a range in two non-empty parts by rows (given both sides' counts), or null when it
   * cannot be cut (a single key).
   */
  split(range: KeyRange, backup: number, interim: number): Promise<[KeyRange, KeyRange] | null>;
  readonly tuning: ResolveTuning;
  readonly counters: ResolveCounters;
}

/**
 * One range's result. `clean`: the servers' checksums or listings settled that every row is
 * identical, and no row was read (then `diff` is null).
 */
export interface Outcome {
  readonly clean: boolean;
  /** rows of the range (the larger side) */
  readonly rows: number;
  readonly diff: ChunkDiff | null;
}

/**
 * Resolves a key range to its chunk diff, reading as few rows as it can:
 * - 'checksum': compare the sides' checksums; equal → identical, no row read. A differing
 *   range is read whole when tiny, listed (key + row hash per row) when it fits a listing, and
 *   otherwise split in two and each half re-checked (bisection). The second half's checksum is
 *   the whole's minus the first's, so each level costs one query per side.
 * - 'list': skip the checksum and list directly (a table where most chunks differ).
 * From a listing, only keys whose hashes differ (or that one side lacks) are read as full rows.
 *
 * The final word on every row read is the client's canonical hash (`joinKeyedChunk`); the
 * server's hashes only decide which rows need reading. Differences come out in key order.
 */
export async function resolveRange(
  env: ResolveEnv,
  range: KeyRange,
  mode: 'checksum' | 'list',
  known?: readonly [Checksum, Checksum],
): Promise<Outcome> {
  if (mode === 'list' && !known) return listThenFetch(env, range);
  const [b, i] = known ?? (await checksums(env, range));
  if (b.count === i.count && b.sum === i.sum) return { clean: true, rows: b.count, diff: null };
  const n = Math.max(b.count, i.count);
  if (n <= env.tuning.fetchRows) return fetchWhole(env, range, n);
  if (n <= env.tuning.listRows) return listThenFetch(env, range);
  const halves = await env.split(range, b.count, i.count);
  if (!halves) return listThenFetch(env, range);
  env.counters.splits++;
  const [first, second] = halves;
  const [fb, fi] = await checksums(env, first);
  const rest: [Checksum, Checksum] = [minus(b, fb), minus(i, fi)];
  const x = await resolveRange(env, first, 'checksum', [fb, fi]);
  const y = await resolveRange(env, second, 'checksum', rest);
  return merge(x, y);
}

async function checksums(env: ResolveEnv, range: KeyRange): Promise<[Checksum, Checksum]> {
  const t0 = performance.now();
  const pair = await Promise.all([env.backup.checksum(range), env.interim.checksum(range)]);
  const c = env.counters;
  c.checksumMs += performance.now() - t0;
  c.checksumQueries++;
  c.rowsChecksummed += pair[0].count + pair[1].count;
  return pair;
}

function minus(whole: Checksum, part: Checksum): Checksum {
  return {
    count: whole.count - part.count,
    sum: (BigInt(whole.sum) - BigInt(part.sum)).toString(),
  };
}

async function listThenFetch(env: ResolveEnv, range: KeyRange): Promise<Outcome> {
  const c = env.counters;
  let t0 = performance.now();
  const [lb, li] = await Promise.all([env.backup.list(range), env.interim.list(range)]);
  c.listMs += performance.now() - t0;
  c.listQueries++;
  c.rowsListed += lb.count + li.count;
  const n = Math.max(lb.count, li.count);
  const cut = (): Promise<Outcome> =>
    // The listing did not fit: cut the range and list the parts, or read a small one whole.
    n > env.tuning.fetchRows
      ? splitAndList(env, range, lb.count, li.count)
      : fetchWhole(env, range, n);
  if (lb.truncated || li.truncated) return cut();
  if (
    lb.count === li.count &&
    (lb.count === 0 || lb.packed?.equals(li.packed ?? Buffer.alloc(0)))
  ) {
    return { clean: true, rows: n, diff: null };
  }
  t0 = performance.now();
  const compared = compareListings(lb, li, env.shape);
  c.compareMs += performance.now() - t0;
  if (!compared) return cut();
  const { identical, suspects } = compared;
  if (suspects.length === 0) return { clean: true, rows: n, diff: null };
  if (suspects.length > env.tuning.maxSuspectShare * n) return fetchWhole(env, range, n);
  c.suspects += suspects.length;
  if (suspects.length > env.tuning.maxSuspects) return splitAndList(env, range, lb.count, li.count);
  t0 = performance.now();
  const [rb, ri] = await Promise.all([
    env.backup.fetchKeys(range, suspects),
    env.interim.fetchKeys(range, suspects),
  ]);
  c.fetchMs += performance.now() - t0;
  c.rowsFetched += rb.length + ri.length;
  const diff = joinKeyedChunk(rb, ri);
  diff.identical += identical;
  return { clean: false, rows: n, diff };
}

/** Lists the two halves of a range separately (or reads it whole when it cannot be cut). */
async function splitAndList(
  env: ResolveEnv,
  range: KeyRange,
  backup: number,
  interim: number,
): Promise<Outcome> {
  const halves = await env.split(range, backup, interim);
  if (!halves) return fetchWhole(env, range, Math.max(backup, interim));
  env.counters.splits++;
  return merge(await listThenFetch(env, halves[0]), await listThenFetch(env, halves[1]));
}

async function fetchWhole(env: ResolveEnv, range: KeyRange, n: number): Promise<Outcome> {
  const t0 = performance.now();
  const [rb, ri] = await Promise.all([env.backup.fetchRange(range), env.interim.fetchRange(range)]);
  env.counters.fetchMs += performance.now() - t0;
  env.counters.rowsFetched += rb.length + ri.length;
  return { clean: false, rows: Math.max(n, rb.length, ri.length), diff: joinKeyedChunk(rb, ri) };
}

/** Two adjacent ranges' outcomes as one, in key order. */
export function merge(x: Outcome, y: Outcome): Outcome {
  if (x.clean && y.clean) return { clean: true, rows: x.rows + y.rows, diff: null };
  const dx = x.diff ?? emptyDiff(x.rows);
  const dy = y.diff ?? emptyDiff(y.rows);
  return {
    clean: false,
    rows: x.rows + y.rows,
    diff: {
      identical: dx.identical + dy.identical,
      changed: [...dx.changed, ...dy.changed],
      onlyBackup: [...dx.onlyBackup, ...dy.onlyBackup],
      onlyInterim: [...dx.onlyInterim, ...dy.onlyInterim],
    },
  };
}

function emptyDiff(identical: number): ChunkDiff {
  return { identical, changed: [], onlyBackup: [], onlyInterim: [] };
}
