import { tableRowColumns } from '../checksum/client-row-hash.js';
import type { DigestMethod } from '../checksum/digest-method.js';
import { IntKeySpans, intOf } from '../checksum/int-ranges.js';
import { columnsRowStringSql, isIntegerKey, rowHashSql } from '../checksum/row-expr.js';
import { rowHasher } from '../checksum/row-hasher.js';
import { AdaptiveSizer, type KeyedSide, walkChunks } from '../chunk/boundaries.js';
import {
  type KeyColumn,
  keyColumn,
  orderBy,
  rangePredicate,
  type SqlFragment,
} from '../chunk/key-sql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import type { RawValue } from '../db/types.js';
import { type Digest, DigestAccumulator, DigestRowHasher, digestColumns } from '../hash/digest.js';
import { type Hash64, hex64, loadHash64, MASK64 } from '../hash/xxhash.js';
import type { TableInfo } from '../introspect/types.js';
import { mustGet } from '../must.js';
import { runWorkers } from './work-queue.js';

export interface DigestOptions {
  readonly concurrency?: number;
  /** fixed rows per chunk (tests); adaptive otherwise */
  readonly chunkRows?: number;
  /** the server's digests: fixed rows per piece, as if every table were larger (tests) */
  readonly pieceRows?: number;
}

/**
 * Computes a table's digest by reading it: chunk by chunk over its key in parallel, or in one
 * stream for a table without a key. Memory is bounded by chunk size × concurrency.
 */
export async function tableDigest(
  pool: SessionPool,
  schema: string,
  table: TableInfo,
  options: DigestOptions = {},
): Promise<Digest> {
  const hasher = new DigestRowHasher(table, await loadHash64());
  const acc = new DigestAccumulator();
  const name = quoteTable(schema, table.name);
  const select = hasher.columns.map((c) => quoteId(c.name)).join(', ');
  if (hasher.columns.length === 0) throw new Error(`table ${table.name} has no stored columns`);

  if (table.identity.kind === 'none') {
    const lease = await pool.lease();
    try {
      for await (const r of lease.session.streamRaw(`SELECT ${select} FROM ${name}`)) {
        acc.add(hasher.hash(r));
      }
    } finally {
      lease.release();
    }
    return acc.toDigest();
  }

  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const keys = table.identity.columns.map((n) => keyColumn(mustGet(byName, n, 'key column')));
  const side: KeyedSide = { table: name, keys, run: (fn) => pool.run(fn) };
  const avg = Math.max(table.avgRowLength, 32);
  const initial = options.chunkRows ?? Math.min(50_000, Math.max(500, Math.floor((4 << 20) / avg)));
  const sizer = options.chunkRows
    ? new AdaptiveSizer(initial, initial, initial, 250)
    : new AdaptiveSizer(initial, 200, Math.max(initial, 50_000), 250);
  await runWorkers(walkChunks([side], sizer), options.concurrency ?? pool.size, async (chunk) => {
    const t0 = performance.now();
    const where = rangePredicate(keys, chunk.lo, chunk.hi);
    const rows = await pool.run((s) =>
      s.rawRows(
        `SELECT ${select} FROM ${name} WHERE ${where.sql} ORDER BY ${orderBy(keys)}`,
        where.params,
      ),
    );
    for (const r of rows) acc.add(hasher.hash(r));
    sizer.observe(rows.length, performance.now() - t0);
  });
  return acc.toDigest();
}

/** A table's digest by its method: summed by the server, or read and hashed by the client. */
export async function tableDigestBy(
  pool: SessionPool,
  schema: string,
  table: TableInfo,
  method: DigestMethod,
  options: DigestOptions = {},
): Promise<Digest> {
  return mustAt(await tableDigestsBy(pool, schema, [{ table, method }], options), 0);
}

/**
 * The digests of several tables over one pool, in `tables`' order. The server's sums of all
 * tables are one queue of pieces (a table's pieces do not wait for the table before), the
 * client-read tables go one after another beside it.
 */
export async function tableDigestsBy(
  pool: SessionPool,
  schema: string,
  tables: readonly DigestTable[],
  options: DigestOptions = {},
): Promise<Digest[]> {
  return (await tableDigestsWithSpans(pool, schema, tables, options)).digests;
}

/** A table to digest; `keySpans`: also say what its pieces found of its key (KeySpan). */
export interface DigestTable {
  readonly table: TableInfo;
  readonly method: DigestMethod;
  readonly keySpans?: boolean;
}

/**
 * What one piece of a table with a single integer key held of that key: its rows with
 * lo < key <= hi (a null bound is open), how many, and the smallest and largest key among them.
 * Together a table's spans cover every key once.
 */
export interface KeySpan {
  readonly lo: bigint | null;
  readonly hi: bigint | null;
  readonly count: bigint;
  readonly min: bigint | null;
  readonly max: bigint | null;
}

/**
 * tableDigestsBy, and for each table asked (`keySpans`) whose digest the server sums over a
 * single integer key, its pieces' KeySpans (in key order; null for the others). The MIN and MAX
 * ride on the pieces' statements, which read the rows anyway.
 */
export async function tableDigestsWithSpans(
  pool: SessionPool,
  schema: string,
  tables: readonly DigestTable[],
  options: DigestOptions = {},
): Promise<{ digests: Digest[]; spans: (KeySpan[] | null)[] }> {
  const digests: Digest[] = [];
  const server: ServerJob[] = [];
  const client: { at: number; table: TableInfo }[] = [];
  for (const [at, t] of tables.entries()) {
    digests.push({ count: '0', sum: hex64(0n) });
    if (t.method.kind === 'server')
      server.push(serverJob(schema, t.table, t.method, at, t.keySpans === true));
    else client.push({ at, table: t.table });
  }
  const readClient = async (): Promise<void> => {
    for (const c of client) digests[c.at] = await tableDigest(pool, schema, c.table, options);
  };
  await Promise.all([serverDigests(pool, server, options), readClient()]);
  const spans: (KeySpan[] | null)[] = tables.map(() => null);
  for (const j of server) {
    digests[j.at] = { count: j.count.toString(), sum: hex64(j.sum) };
    if (j.spans) spans[j.at] = [...j.spans].sort((a, b) => compareLo(a.lo, b.lo));
  }
  return { digests, spans };
}

function compareLo(a: bigint | null, b: bigint | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function mustAt<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no digest at ${i}`);
  return x;
}

/** One table's server digest being summed: its statement's parts and the sums so far. */
interface ServerJob {
  readonly at: number;
  readonly table: TableInfo;
  /** `schema`.`table`, quoted */
  readonly name: string;
  /** the row hash expression */
  readonly hash: string;
  /** the key the table is cut along; null: one statement */
  readonly keys: readonly KeyColumn[] | null;
  /** the pieces' KeySpans, when asked for and the key is one integer column */
  readonly spans: KeySpan[] | null;
  count: bigint;
  sum: bigint;
}

function serverJob(
  schema: string,
  table: TableInfo,
  method: Extract<DigestMethod, { kind: 'server' }>,
  at: number,
  keySpans: boolean,
): ServerJob {
  const columns = digestColumns(table);
  if (columns.length === 0) throw new Error(`table ${table.name} has no stored columns`);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const keys =
    table.identity.kind === 'none'
      ? null
      : table.identity.columns.map((n) => keyColumn(mustGet(byName, n, 'key column')));
  return {
    at,
    table,
    name: quoteTable(schema, table.name),
    hash: rowHashSql(columnsRowStringSql(tableRowColumns(columns)), method.rowHash),
    keys,
    spans: keySpans && keys !== null && isIntegerKey(keys) ? [] : null,
    count: 0n,
    sum: 0n,
  };
}

/** A statement's worth of a table: its rows in `where`; `observe` learns from how long it took. */
interface Piece {
  readonly job: ServerJob;
  readonly where: SqlFragment;
  /** the key range `where` selects (lo < key <= hi; null: open) */
  readonly lo: readonly RawValue[] | null;
  readonly hi: readonly RawValue[] | null;
  readonly observe?: (rows: number, ms: number) => void;
}

/** Fewest rows a piece is cut to: below this, a statement's fixed cost starts to tell. */
const MIN_PIECE_ROWS = 10_000;
/** Most rows a piece starts at (the server's scan rate then decides, see AdaptiveSizer). */
const MAX_FIRST_PIECE_ROWS = 200_000;

/**
 * The server's digests: the count and the sum of the row hash (row-expr.ts) over the stored
 * columns, computed where the rows are; only counts and sums travel. Each table is cut along
 * its key into pieces of about a `2 × workers`-th of all tables' rows (estimates), within
 * [MIN_PIECE_ROWS, MAX_FIRST_PIECE_ROWS], so tables of any sizes keep every worker busy: a
 * table estimated at no more than that is one statement with no boundary query, a single
 * integer key is cut by arithmetic (its MIN and MAX read from the index), any other key by the
 * boundary walk. Biggest tables first, so the last pieces are small ones.
 */
async function serverDigests(
  pool: SessionPool,
  jobs: readonly ServerJob[],
  options: DigestOptions,
): Promise<void> {
  if (jobs.length === 0) return;
  const workers = options.concurrency ?? pool.size;
  const rows = jobs.reduce((n, j) => n + Math.max(0, j.table.rowsEstimate), 0);
  const target =
    options.pieceRows ??
    Math.min(MAX_FIRST_PIECE_ROWS, Math.max(MIN_PIECE_ROWS, Math.ceil(rows / (2 * workers))));
  const sizer = (): AdaptiveSizer =>
    options.pieceRows
      ? new AdaptiveSizer(target, target, target, 500)
      : new AdaptiveSizer(target, MIN_PIECE_ROWS, 2_000_000, 500);
  const order = [...jobs].sort((a, b) => b.table.rowsEstimate - a.table.rowsEstimate);
  await runWorkers(allPieces(pool, order, target, sizer), workers, async (p) => {
    const t0 = performance.now();
    const { job, where } = p;
    const k = job.spans && job.keys?.[0] ? quoteId(job.keys[0].name) : null;
    const extra = k ? `, MIN(${k}), MAX(${k})` : '';
    const row = (
      await pool.run((s) =>
        s.rawRows(`SELECT COUNT(*), SUM(${job.hash})${extra} FROM ${job.name} WHERE ${where.sql}`, [
          ...where.params,
        ]),
      )
    )[0];
    const n = BigInt(row?.[0]?.toString() ?? '0');
    job.count += n;
    job.sum = (job.sum + BigInt(row?.[1]?.toString() ?? '0')) & MASK64;
    job.spans?.push(keySpan(p, n, row?.[2] ?? null, row?.[3] ?? null));
    p.observe?.(Number(n), performance.now() - t0);
  });
}

function keySpan(p: Piece, count: bigint, min: RawValue, max: RawValue): KeySpan {
  const int = (v: readonly RawValue[] | null): bigint | null => (v ? intOf(v[0]) : null);
  return {
    lo: int(p.lo),
    hi: int(p.hi),
    count,
    min: min === null ? null : intOf(min),
    max: max === null ? null : intOf(max),
  };
}

async function* allPieces(
  pool: SessionPool,
  jobs: readonly ServerJob[],
  target: number,
  sizer: () => AdaptiveSizer,
): AsyncGenerator<Piece> {
  for (const job of jobs) yield* tablePieces(pool, job, target, sizer());
}

const WHOLE: SqlFragment = { sql: '1=1', params: [] };

/** One table's pieces (see serverDigests). Together they cover every row, once. */
async function* tablePieces(
  pool: SessionPool,
  job: ServerJob,
  target: number,
  sizer: AdaptiveSizer,
): AsyncGenerator<Piece> {
  const { keys } = job;
  const estimate = Math.max(0, job.table.rowsEstimate);
  if (keys === null || estimate <= target) {
    yield { job, where: WHOLE, lo: null, hi: null };
    return;
  }
  const spans = isIntegerKey(keys) ? await integerSpans(pool, job, keys, estimate) : undefined;
  if (spans === null) {
    yield { job, where: WHOLE, lo: null, hi: null };
    return;
  }
  if (spans) {
    for (const c of spans.chunks(sizer)) {
      const observe = (rows: number, ms: number): void => {
        spans.observe(c, rows);
        sizer.observe(rows, ms);
      };
      yield { job, where: rangePredicate(keys, c.lo, c.hi), lo: c.lo, hi: c.hi, observe };
    }
    return;
  }
  const side: KeyedSide = { table: job.name, keys, run: (fn) => pool.run(fn) };
  for await (const c of walkChunks([side], sizer)) {
    const observe = (rows: number, ms: number): void => sizer.observe(rows, ms);
    yield { job, where: rangePredicate(keys, c.lo, c.hi), lo: c.lo, hi: c.hi, observe };
  }
}

/**
 * Spans of a single integer key cut by arithmetic; null for an empty table; undefined when
 * the keys are too sparse for spans sized by their density (an outlier id would put every row
 * in one span), for the boundary walk.
 */
async function integerSpans(
  pool: SessionPool,
  job: ServerJob,
  keys: readonly KeyColumn[],
  estimate: number,
): Promise<IntKeySpans | null | undefined> {
  const col = quoteId(mustAt(keys, 0).name);
  const row = (
    await pool.run((s) => s.rawRows(`SELECT MIN(${col}), MAX(${col}) FROM ${job.name}`))
  )[0];
  if (!row?.[0] || !row[1]) return null;
  const min = intOf(row[0]);
  const max = intOf(row[1]);
  if (max - min + 1n > BigInt(4 * Math.max(estimate, 1))) return undefined;
  return new IntKeySpans(min, max, estimate);
}

/** The row hash a table's digest sums, computed in the client from a row's stored values. */
export interface RowDigestHasher {
  /** values of the table's stored columns (digestColumns order), as the server sends them */
  hash(values: readonly RawValue[]): bigint;
}

export function rowDigestHasher(
  table: TableInfo,
  method: DigestMethod,
  hash64: Hash64,
): RowDigestHasher {
  if (method.kind === 'client') return new DigestRowHasher(table, hash64);
  return { hash: rowHasher(tableRowColumns(digestColumns(table)), method.rowHash) };
}
