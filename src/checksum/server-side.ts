import {
  boundaryExpr,
  keyParam,
  orderBy,
  placeholder,
  rangePredicate,
  type SqlFragment,
} from '../chunk/key-sql.js';
import { quoteId } from '../db/quote.js';
import type { RawValue, Session, SqlParam } from '../db/types.js';
import type { HashedRow } from '../diff/chunk-join.js';
import { partitionExpr, type TableReader } from '../diff/table-reader.js';
import { decodeKey, type KeyShape, type Listing } from './listing.js';
import type { Checksum, KeyRange, SideOps } from './resolve.js';
import { isIntegerKey, listedKeySql } from './row-expr.js';

/**
 * Bytes a listing may take. A listing larger than this comes back truncated (and is detected:
 * its row count says so), then the range is split. Bounds memory per listed chunk.
 */
const LISTING_BYTES = 4 << 20;

/** One side of a table pair as the pre-pass sees it: server-side checksums and listings. */
export class ServerSide implements SideOps {
  readonly shape: KeyShape;
  private readonly listedKey: string;
  /** the summed row hash, with a side's own marker where the server cannot build the string */
  private readonly rowHash: string;
  /** the listed row hash (hex text: cheaper to pack than a number's digits), marked likewise */
  private readonly listHash: string;

  /**
   * @param reader the client-side reader of this side (full rows, canonical hashes)
   * @param hashes the per-row hash SQL to sum and to list (row-expr.ts), the same on both sides
   */
  constructor(
    readonly reader: TableReader,
    hashes: { readonly sum: string; readonly list: string },
  ) {
    this.rowHash = unhashable(hashes.sum, reader.side);
    this.listHash = unhashable(hashes.list, reader.side);
    const keys = reader.keys;
    this.shape = isIntegerKey(keys) ? { kind: 'int' } : { kind: 'general', columns: keys.length };
    this.listedKey = keys.length > 0 ? listedKeySql(keys) : "''";
  }

  private run<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.reader.run(fn);
  }

  private where(range: KeyRange): SqlFragment {
    return rangePredicate(this.reader.keys, range.lo, range.hi);
  }

  async checksum(range: KeyRange): Promise<Checksum> {
    const w = this.where(range);
    const sql = `SELECT COUNT(*), SUM(${this.rowHash}) FROM ${this.reader.table} WHERE ${w.sql}`;
    const row = (await this.run((s) => s.rawRows(sql, w.params)))[0];
    return { count: Number(text(row?.[0]) ?? 0), sum: text(row?.[1]) ?? '0' };
  }

  async list(range: KeyRange): Promise<Listing> {
    const w = this.where(range);
    const select = `COUNT(*), GROUP_CONCAT(CONCAT(${this.listHash}, _binary' ', ${this.listedKey}) SEPARATOR ',') FROM ${this.reader.table} WHERE ${w.sql}`;
    const row = await this.run((s) =>
      s.rawRows(
        s.server.flavor === 'mariadb'
          ? `SET STATEMENT group_concat_max_len = ${LISTING_BYTES} FOR SELECT ${select}`
          : `SELECT /*+ SET_VAR(group_concat_max_len = ${LISTING_BYTES}) */ ${select}`,
        w.params,
      ),
    );
    const packed = row[0]?.[1] ?? null;
    return {
      count: Number(text(row[0]?.[0]) ?? 0),
      packed,
      // The server stops a GROUP_CONCAT at the limit (with a warning): a full one is cut short.
      truncated: packed !== null && packed.length >= LISTING_BYTES,
    };
  }

  async fetchKeys(range: KeyRange, keys: readonly string[]): Promise<HashedRow[]> {
    // One query, so the server returns the rows in its key order, as the client path would.
    const within = this.where(range);
    const inList = this.inList(keys.map((k) => decodeKey(k, this.shape)));
    return this.reader.readWhere({
      sql: `${within.sql} AND ${inList.sql}`,
      params: [...within.params, ...inList.params],
    });
  }

  fetchRange(range: KeyRange): Promise<HashedRow[]> {
    return this.reader.readChunk(range);
  }

  /** `key IN (…)` (a row constructor for a composite key), with typed placeholders. */
  private inList(values: readonly RawValue[][]): SqlFragment {
    const keys = this.reader.keys;
    const params: SqlParam[] = [];
    const items = values.map((v) => {
      const tuple = keys.map((k, c) => {
        const raw = v[c] ?? null;
        if (k.info.family === 'integer' && raw !== null) {
          // An integer as a bigint goes as its digits, compared exactly, and a tenth the bytes of
          // a CAST: thousands of them make the query, and the query's bytes cost time to send.
          params.push(BigInt(raw.toString('latin1')));
          return '?';
        }
        params.push(keyParam(k, raw));
        return placeholder(k, raw);
      });
      return keys.length === 1 ? tuple[0] : `(${tuple.join(', ')})`;
    });
    // The bare columns, as range predicates use them (an index serves them); the values are in
    // boundary form, which the typed placeholders compare exactly (ENUM/SET/BIT as numbers).
    const cols = keys.map((k) => quoteId(k.name)).join(', ');
    return {
      sql: `${keys.length === 1 ? cols : `(${cols})`} IN (${items.join(', ')})`,
      params,
    };
  }

  /** The key of the `offset`-th row (from 0) of a range in key order, or null past the end. */
  async keyAt(range: KeyRange, offset: number): Promise<RawValue[] | null> {
    const keys = this.reader.keys;
    const w = this.where(range);
    const sql = `SELECT ${keys.map(boundaryExpr).join(', ')} FROM ${this.reader.table} WHERE ${w.sql} ORDER BY ${orderBy(keys)} LIMIT 1 OFFSET ${Math.max(0, Math.floor(offset))}`;
    const row = (await this.run((s) => s.rawRows(sql, w.params)))[0];
    return row ? row.map((v) => (v === null ? null : Buffer.from(v))) : null;
  }

  /** The smallest and largest key of an integer-keyed table, or null when it is empty. */
  async intBounds(): Promise<{ min: bigint; max: bigint } | null> {
    const k = this.reader.keys[0];
    if (!k) throw new Error('intBounds needs a key');
    const col = boundaryExpr(k);
    const row = (
      await this.run((s) => s.rawRows(`SELECT MIN(${col}), MAX(${col}) FROM ${this.reader.table}`))
    )[0];
    const min = text(row?.[0]);
    const max = text(row?.[1]);
    if (min === null || max === null) return null;
    return { min: BigInt(min), max: BigInt(max) };
  }

  /**
   * Per hash partition of a table without a key (as the client path partitions it): count and
   * sum of row hashes, in one pass.
   */
  async partitionChecksums(parts: number): Promise<Map<number, Checksum>> {
    const pair = this.reader.pair;
    const p = parts > 1 ? `MOD(${partitionExpr(pair, this.reader.side)}, ${parts})` : '0';
    const rows = await this.run((s) =>
      s.rawRows(
        `SELECT ${p} AS p, COUNT(*), SUM(${this.rowHash}) FROM ${this.reader.table} GROUP BY p`,
      ),
    );
    const out = new Map<number, Checksum>();
    for (const r of rows) {
      out.set(Number(text(r[0])), { count: Number(text(r[1]) ?? 0), sum: text(r[2]) ?? '0' });
    }
    return out;
  }
}

/**
 * A row string longer than max_allowed_packet comes out NULL (with a warning), and SUM and
 * GROUP_CONCAT would skip the row as if it were not there: two different huge rows would look
 * equal. Such a row gets a value no hash has, one per side, so its range always differs and the
 * client reads it.
 */
export function unhashable(rowHash: string, side: 'backup' | 'interim'): string {
  // numbers (the result is a DECIMAL(20,0): sums stay exact), never text (SUM of text is a double)
  return `IFNULL(${rowHash}, ${side === 'backup' ? -1 : -2})`;
}

function text(v: RawValue | undefined): string | null {
  return v === null || v === undefined ? null : v.toString('latin1');
}
