import { AdaptiveSizer, type KeyedSide, walkChunks } from '../chunk/boundaries.js';
import { keyColumn, orderBy, rangePredicate } from '../chunk/key-sql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { type Digest, DigestAccumulator, DigestRowHasher } from '../hash/digest.js';
import { loadHash64 } from '../hash/xxhash.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
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
  const keys = table.identity.columns.map((n) => keyColumn(byName.get(n) as ColumnInfo));
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
