import type { Chunk } from '../chunk/boundaries.js';
import {
  type KeyColumn,
  keyColumn,
  orderBy,
  rangePredicate,
  type SqlFragment,
} from '../chunk/key-sql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import type { RawRow, Session } from '../db/types.js';
import { RowEncoder } from '../hash/row-encoding.js';
import type { Hash64 } from '../hash/xxhash.js';
import { columnKey, type TablePair } from '../introspect/compare.js';
import type { HashedRow } from './chunk-join.js';

export type SideName = 'backup' | 'interim';

/**
 * Reads one side of a table pair: the compared columns in canonical order (plus the key's
 * match weights), canonicalised and hashed row by row.
 */
export class TableReader {
  readonly keys: readonly KeyColumn[];
  readonly table: string;
  private readonly encoder: RowEncoder;
  /** the stored form's encoder, for a table with JSON columns (null: stored is canonical) */
  private readonly storedEncoder: RowEncoder | null;
  private readonly select: string;
  /**
   * Per key column: where its match bytes are in a fetched row (`at`), and whether its text
   * has a fractional part whose trailing zeros say nothing (`trim`).
   */
  private readonly matchParts: readonly { readonly at: number; readonly trim: boolean }[];

  constructor(
    readonly pair: TablePair,
    readonly side: SideName,
    schema: string,
    private readonly pool: SessionPool,
    private readonly hash64: Hash64,
  ) {
    this.table = quoteTable(schema, pair.name);
    const info = side === 'backup' ? pair.backup : pair.interim;
    const byName = new Map(info.columns.map((c) => [columnKey(c.name), c]));
    const keyNames = pair.identity.kind === 'none' ? [] : pair.identity.columns;
    this.keys = keyNames.map((n) => {
      const c = byName.get(columnKey(n));
      if (!c) throw new Error(`key column ${n} missing on the ${side} side of ${pair.name}`);
      return keyColumn(c);
    });
    this.encoder = new RowEncoder(pair.columns.map((c) => c.family));
    this.storedEncoder = this.encoder.hasJson
      ? new RowEncoder(
          pair.columns.map((c) => c.family),
          { stored: true },
        )
      : null;
    const cols = pair.columns.map((c) => quoteId(c.name));
    const weights: string[] = [];
    const matchAt = (k: KeyColumn): number => {
      if (k.weight !== null) {
        weights.push(k.weight);
        return cols.length + weights.length - 1;
      }
      return pair.columns.findIndex((c) => columnKey(c.name) === columnKey(k.name));
    };
    // A key whose scale drifted (DECIMAL(10,2) vs (12,4), DATETIME vs DATETIME(6)) is still
    // one key: 1.24 and 1.2400 match (the rows then differ in that column).
    this.matchParts = this.keys.map((k) => ({
      at: matchAt(k),
      trim: k.info.family === 'decimal' || k.info.family === 'temporal',
    }));
    // With no column in common (drift), rows still count: select a constant, encode nothing.
    this.select = cols.length > 0 ? [...cols, ...weights].join(', ') : '0';
  }

  run<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.pool.run(fn);
  }

  /** All rows of a key-range chunk, hashed, in key order. */
  readChunk(chunk: Pick<Chunk, 'lo' | 'hi'>): Promise<HashedRow[]> {
    return this.readWhere(rangePredicate(this.keys, chunk.lo, chunk.hi));
  }

  /** The rows a predicate selects, hashed, in key order. */
  async readWhere(where: SqlFragment): Promise<HashedRow[]> {
    const sql = `SELECT ${this.select} FROM ${this.table} WHERE ${where.sql} ORDER BY ${orderBy(this.keys)}`;
    const rows = await this.pool.run((s) => s.rawRows(sql, where.params));
    return rows.map((r) => this.hashRow(r));
  }

  /**
   * Streams the rows of hash partition `p` of `parts` (a table without a key). The partition is
   * chosen by the server from the non-JSON columns' text, so equal rows fall in the same
   * partition on both sides.
   */
  async *streamPartition(p: number, parts: number): AsyncIterable<HashedRow> {
    let sql = `SELECT ${this.select} FROM ${this.table}`;
    const params: number[] = [];
    if (parts > 1) {
      sql += ` WHERE MOD(${partitionExpr(this.pair, this.side)}, ?) = ?`;
      params.push(parts, p);
    }
    const lease = await this.pool.lease();
    try {
      for await (const r of lease.session.streamRaw(sql, params)) yield this.hashRow(r);
    } finally {
      lease.release();
    }
  }

  /** The canonical hash and match key of a fetched row; `enc` is a private copy. */
  hashRow(r: RawRow): HashedRow {
    const enc = Buffer.from(this.encoder.encode(r, 0));
    const stored = this.storedEncoder ? Buffer.from(this.storedEncoder.encode(r, 0)) : enc;
    return { match: this.matchKey(r), hash: this.hash64(enc), enc, stored };
  }

  private matchKey(r: RawRow): string {
    let m = '';
    for (const { at, trim } of this.matchParts) {
      const v = r[at];
      if (v === null || v === undefined) {
        m += '\u0000N';
        continue;
      }
      const text = trim ? trimFraction(v.toString('latin1')) : v.toString('latin1');
      m += `${text.length}:${text}`;
    }
    return m;
  }
}

/**
 * A server-side partition number for rows of a table without a key. Rows that compare equal
 * must fall in the same partition on both sides, even when the sides store them differently:
 * - text is converted to utf8mb4 first (a column that moved from latin1 to utf8mb4 holds other
 *   bytes for the same characters, and CRC32 reads bytes);
 * - JSON is left out (MariaDB keeps JSON text as typed, so two equal documents may differ in
 *   text), and so are FLOAT and DOUBLE (their text in an expression need not be the text the
 *   server sends for the column).
 */
export function partitionExpr(pair: TablePair, side: SideName): string {
  const cols = pair.columns
    .filter((c) => c.family !== 'json' && c.family !== 'float')
    .map((c) => {
      const info = c[side];
      const col = quoteId(c.name);
      const text = info.charset !== null && info.charset !== 'binary';
      return text ? `CONVERT(${col} USING utf8mb4)` : col;
    });
  if (cols.length === 0) return '0';
  const nulls = pair.columns
    .filter((c) => c.family !== 'json' && c.family !== 'float')
    .map((c) => `ISNULL(${quoteId(c.name)})`)
    .join(', ');
  return `CRC32(CONCAT_WS('|', ${cols.join(', ')}, CONCAT(${nulls})))`;
}

/** '1.2400' → '1.24', '4.00' → '4', '2020-01-01 00:00:00.000000' → '2020-01-01 00:00:00'. */
export function trimFraction(text: string): string {
  const dot = text.lastIndexOf('.');
  if (dot < 0 || !/^\d+$/.test(text.slice(dot + 1))) return text;
  const trimmed = text.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}
