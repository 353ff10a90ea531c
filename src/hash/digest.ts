import { compareNames } from '../introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
import { RowEncoder } from './row-encoding.js';
import { type Hash64, hex64, MASK64 } from './xxhash.js';

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

  removeDigest(d: Digest): void {
    this.count -= BigInt(d.count);
    this.sum = (this.sum - BigInt(`0x${d.sum}`)) & MASK64;
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
    return this.hash64(this.encoder.encode(values, 0));
  }
}
