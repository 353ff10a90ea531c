import { tableRowColumns } from '../checksum/client-row-hash.js';
import type { DigestMethod } from '../checksum/digest-method.js';
import { columnsRowStringSql, rowHashSql } from '../checksum/row-expr.js';
import { rowHasher } from '../checksum/row-hasher.js';
import { AdaptiveSizer, type KeyedSide, walkChunks } from '../chunk/boundaries.js';
import { keyColumn, orderBy, rangePredicate } from '../chunk/key-sql.js';
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
  if (method.kind === 'client') return tableDigest(pool, schema, table, options);
  return serverTableDigest(pool, schema, table, method, options);
}

/**
 * The server's digest of a table: the count and the sum of its row hash (row-expr.ts) over the
 * stored columns, computed where the rows are, chunk by chunk over the key in parallel (one
 * statement for a table without a key). Only counts and sums travel.
 */
async function serverTableDigest(
  pool: SessionPool,
  schema: string,
  table: TableInfo,
  method: Extract<DigestMethod, { kind: 'server' }>,
  options: DigestOptions,
): Promise<Digest> {
  // (options.concurrency applies; options.chunkRows is the client's)
  const columns = digestColumns(table);
  if (columns.length === 0) throw new Error(`table ${table.name} has no stored columns`);
  const name = quoteTable(schema, table.name);
  const hash = rowHashSql(columnsRowStringSql(tableRowColumns(columns)), method.rowHash);
  let count = 0n;
  let sum = 0n;
  const add = (row: (Buffer | null)[] | undefined): void => {
    count += BigInt(row?.[0]?.toString() ?? '0');
    sum = (sum + BigInt(row?.[1]?.toString() ?? '0')) & MASK64;
  };
  if (table.identity.kind === 'none') {
    add((await pool.run((s) => s.rawRows(`SELECT COUNT(*), SUM(${hash}) FROM ${name}`)))[0]);
    return { count: count.toString(), sum: hex64(sum) };
  }
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const keys = table.identity.columns.map((n) => keyColumn(mustGet(byName, n, 'key column')));
  const side: KeyedSide = { table: name, keys, run: (fn) => pool.run(fn) };
  // Only aggregates come back: chunks can be large (the server's scan rate decides), and the
  // client's chunk size (options.chunkRows, sized for rows held in memory) does not apply.
  const sizer = new AdaptiveSizer(200_000, 10_000, 2_000_000, 500);
  await runWorkers(walkChunks([side], sizer), options.concurrency ?? pool.size, async (chunk) => {
    const t0 = performance.now();
    const where = rangePredicate(keys, chunk.lo, chunk.hi);
    const row = (
      await pool.run((s) =>
        s.rawRows(`SELECT COUNT(*), SUM(${hash}) FROM ${name} WHERE ${where.sql}`, where.params),
      )
    )[0];
    add(row);
    sizer.observe(Number(row?.[0]?.toString() ?? 0), performance.now() - t0);
  });
  return { count: count.toString(), sum: hex64(sum) };
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
