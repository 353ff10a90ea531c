import { AdaptiveSizer, type KeyedSide, walkChunks } from '../chunk/boundaries.js';
import { keyColumn, orderBy, rangePredicate } from '../chunk/key-sql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { runWorkers } from '../diff/work-queue.js';
import { compareNames } from '../introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
import { RowEncoder } from './row-encoding.js';
import { type Hash64, hex64, loadHash64, MASK64 } from './xxhash.js';

/**
 * A table's digest (DESIGN.md §2): its row count and the sum of its row hashes mod 2^64. A sum,
 * not a XOR: XOR would cancel a doubled row. Order-independent, so it can be computed chunk by
 * chunk in parallel, and predicted: after = before − removed rows + added rows.
 *
 * The row hash is xxHash64 of the canonical encoding (row-encoding.ts) of the table's stored
 * columns: every column except generated ones (those are a function of the others, and are
 * never written), in name order.
 */
export interface Digest {
  /** row count, decimal */
  readonly count: string;
  /** sum of row hashes mod 2^64, 16 hex digits */
  readonly sum: string;
}

export const EMPTY_DIGEST: Digest = Object.freeze({ count: '0', sum: hex64(0n) });

export function digestEquals(a: Digest, b: Digest): boolean {
  return a.count === b.count && a.sum === b.sum;
}

/** Adds and removes row hashes; the count may go through zero but must end non-negative. */
export class DigestAccumulator {
  private count = 0n;
  private sum = 0n;

  constructor(start: Digest = EMPTY_DIGEST) {
    this.count = BigInt(start.count);
    this.sum = BigInt(`0x${start.sum}`);
  }

  add(hash: bigint, times = 1n): void {
    this.count += times;
    this.sum = (this.sum + hash * times) & MASK64;
  }

  remove(hash: bigint, times = 1n): void {
    this.count -= times;
    this.sum = (this.sum - hash * times) & MASK64;
  }

  addDigest(d: Digest): void {
    this.count += BigInt(d.count);
    this.sum = (this.sum + BigInt(`0x${d.sum}`)) & MASK64;
  }

  toDigest(): Digest {
    if (this.count < 0n) throw new Error(`digest count went negative (${this.count})`);
    return { count: this.count.toString(), sum: hex64(this.sum) };
  }
}

/** The columns a digest covers: stored (non-generated) columns, in name order. */
export function digestColumns(t: TableInfo): ColumnInfo[] {
  return t.columns.filter((c) => c.generated === null).sort((a, b) => compareNames(a.name, b.name));
}

/** An encoder + hasher for a table's digest rows (values in `digestColumns` order). */
export class DigestRowHasher {
  readonly columns: ColumnInfo[];
  private readonly encoder: RowEncoder;

  constructor(
    table: TableInfo,
    private readonly hash64: Hash64,
  ) {
    this.columns = digestColumns(table);
    this.encoder = new RowEncoder(this.columns.map((c) => c.family));
  }

  /** The row hash of raw values given in `columns` order. */
  hash(values: readonly (Buffer | null)[]): bigint {
    return this.hash64(this.encoder.encode(values as (Buffer | null)[], 0));
  }
}

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
