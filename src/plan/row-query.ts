import { cellFromRaw, paramFromCell } from '../cell/cell-codec.js';
import type { Cell, Cells } from '../cell/cells.js';
import { keyColumn, placeholder } from '../chunk/key-sql.js';
import { formatJsonPath } from '../config/json-path.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import type { RawRow, SqlParam } from '../db/types.js';
import { RowEncoder } from '../hash/row-encoding.js';
import type { Hash64 } from '../hash/xxhash.js';
import { columnKey } from '../introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
import type { Reference, TableModel } from './table-model.js';

/** A row read back during planning: its cells (as the diff would decode them) and its hash. */
export interface FetchedRow {
  readonly cells: Cells;
  readonly enc: Buffer;
  readonly hash: bigint;
}

/** Tuples per query: small enough for the packet, large enough to amortise the round trip. */
export const LOOKUP_BATCH = 200;

/**
 * Reads rows of one side by the values of some columns (a reference, a unique key), in the
 * side's snapshot. `WHERE c IN (…)` or, for several columns, `(a = ? AND b = ?) OR …`, which the
 * range optimiser turns into index lookups. Placeholders are typed so numbers compare exactly.
 */
export class RowQuery {
  private readonly encoder: RowEncoder;
  private readonly select: string;
  private readonly table: string;
  private readonly info: ReadonlyMap<string, ColumnInfo>;

  constructor(
    private readonly model: TableModel,
    private readonly pool: SessionPool,
    schema: string,
    side: TableInfo,
    private readonly hash64: Hash64,
  ) {
    this.encoder = new RowEncoder(model.columns.map((c) => c.family));
    this.select = model.columns.map((c) => quoteId(c.name)).join(', ');
    this.table = quoteTable(schema, model.name);
    this.info = new Map(side.columns.map((c) => [columnKey(c.name), c]));
  }

  /** Rows whose `columns` equal one of `tuples` (under the columns' collations), in key order. */
  async byTuples(
    columns: readonly string[],
    tuples: readonly (readonly Cell[])[],
  ): Promise<FetchedRow[]> {
    if (tuples.length === 0) return [];
    const where = this.predicate(columns, tuples);
    const order =
      this.model.key.length > 0 ? ` ORDER BY ${this.model.key.map(quoteId).join(', ')}` : '';
    const rows = await this.pool.run((s) =>
      s.rawRows(
        `SELECT ${this.select} FROM ${this.table} WHERE ${where.sql}${order}`,
        where.params,
      ),
    );
    return rows.map((r) => this.fetched(r));
  }

  /**
   * Rows holding one of `tuples` in reference `r`: in its columns, or at its path inside the
   * JSON documents of its column (the integer there, compared as its text).
   */
  async byReference(r: Reference, tuples: readonly (readonly Cell[])[]): Promise<FetchedRow[]> {
    if (r.path === null) return this.byTuples(r.columns, tuples);
    const column = r.columns[0];
    if (tuples.length === 0 || column === undefined) return [];
    const ids = tuples.flatMap((t) => (typeof t[0] === 'string' ? [t[0]] : []));
    if (ids.length === 0) return [];
    const order =
      this.model.key.length > 0 ? ` ORDER BY ${this.model.key.map(quoteId).join(', ')}` : '';
    const rows = await this.pool.run((s) =>
      s.rawRows(
        `SELECT ${this.select} FROM ${this.table} WHERE JSON_UNQUOTE(JSON_EXTRACT(${quoteId(column)}, ?)) IN (${ids.map(() => '?').join(', ')})${order}`,
        [formatJsonPath(r.path ?? []), ...ids],
      ),
    );
    return rows.map((x) => this.fetched(x));
  }

  /**
   * For each tuple, the rows that equal it: one UNION ALL of tagged lookups, so the server (and
   * its collation) says which tuple each row matched.
   */
  async perTuple(
    columns: readonly string[],
    tuples: readonly (readonly Cell[])[],
  ): Promise<Map<number, FetchedRow[]>> {
    const out = new Map<number, FetchedRow[]>();
    if (tuples.length === 0) return out;
    const parts: string[] = [];
    const params: SqlParam[] = [];
    tuples.forEach((t, n) => {
      const w = this.predicate(columns, [t]);
      parts.push(`SELECT ${n}, ${this.select} FROM ${this.table} WHERE ${w.sql}`);
      params.push(...w.params);
    });
    const rows = await this.pool.run((s) => s.rawRows(parts.join(' UNION ALL '), params));
    for (const r of rows) {
      const n = Number(r[0]?.toString() ?? -1);
      const list = out.get(n) ?? [];
      list.push(this.fetched(r.slice(1)));
      out.set(n, list);
    }
    return out;
  }

  private fetched(r: RawRow): FetchedRow {
    const enc = Buffer.from(this.encoder.encode(r, 0));
    // Cells as stored (JSON as its text), the form the plan writes; `enc` stays canonical.
    const cells = this.model.columns.map((c, i) => cellFromRaw(c.family, r[i] ?? null));
    return { cells, enc, hash: this.hash64(enc) };
  }

  private predicate(
    columns: readonly string[],
    tuples: readonly (readonly Cell[])[],
  ): { sql: string; params: SqlParam[] } {
    const phs = columns.map((c) => {
      const info = this.info.get(columnKey(c));
      if (!info) throw new Error(`${this.model.name}: no column ${c}`);
      return placeholder(keyColumn(info));
    });
    const params: SqlParam[] = tuples.flatMap((t) => t.map(paramFromCell));
    const only = columns.length === 1 ? columns[0] : undefined;
    if (only !== undefined) {
      return { sql: `${quoteId(only)} IN (${tuples.map(() => phs[0]).join(', ')})`, params };
    }
    const one = `(${columns.map((c, n) => `${quoteId(c)} = ${phs[n]}`).join(' AND ')})`;
    return { sql: tuples.map(() => one).join(' OR '), params };
  }
}
