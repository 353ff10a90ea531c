import { quoteId, quoteTable } from '../db/quote.js';
import type { SqlParam } from '../db/types.js';

/**
 * The statements init runs to weigh its proposals: pure builders, values as placeholders, names
 * through quoteId. Every statement reads a bounded sample: at most `rows` rows of the table (a
 * derived table with LIMIT, so the server stops there whatever the table's size) and at most
 * `values` distinct values of them; lookups into the parent go by its key (an index).
 */

export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** Where rows are sampled from: a table, and the key it is ordered by for a "newest" sample. */
export interface SampleSource {
  readonly schema: string;
  readonly table: string;
  /** key columns: a newest sample reads the highest keys first */
  readonly key: readonly string[];
}

/** `(SELECT cols FROM t [ORDER BY key DESC] LIMIT ?) r` with its placeholder. */
function sampled(src: SampleSource, columns: readonly string[], rows: number, newest: boolean) {
  const order =
    newest && src.key.length > 0
      ? ` ORDER BY ${src.key.map((k) => `${quoteId(k)} DESC`).join(', ')}`
      : '';
  const cols = [...new Set(columns)].map(quoteId).join(', ');
  return {
    sql: `(SELECT ${cols} FROM ${quoteTable(src.schema, src.table)}${order} LIMIT ?) r`,
    params: [rows] satisfies SqlParam[],
  };
}

/** How many rows the sample holds (one more than the bound: whether it is the whole table). */
export function sampleSizeSql(src: SampleSource, rows: number): Statement {
  return {
    sql: `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${quoteTable(src.schema, src.table)} LIMIT ?) r`,
    params: [rows + 1],
  };
}

/** EXISTS (parent row whose key equals s.v0, s.v1, ...). */
function parentLookup(parentSchema: string, parent: string, keys: readonly string[]): string {
  const on = keys.map((k, i) => `p.${quoteId(k)} = s.v${i}`).join(' AND ');
  return `EXISTS (SELECT 1 FROM ${quoteTable(parentSchema, parent)} p WHERE ${on})`;
}

/**
 * Share of a column's (or a column tuple's) distinct non-null values found in the parent's key:
 * `tested` distinct values, `found` of them present.
 */
export function columnInclusionSql(
  src: SampleSource,
  columns: readonly string[],
  parentSchema: string,
  parent: string,
  parentKey: readonly string[],
  limits: { rows: number; values: number },
): Statement {
  const from = sampled(src, columns, limits.rows, false);
  const vals = columns.map((c, i) => `r.${quoteId(c)} AS v${i}`).join(', ');
  const notNull = columns.map((c) => `r.${quoteId(c)} IS NOT NULL`).join(' AND ');
  return {
    sql: `SELECT COUNT(*) AS tested, COALESCE(SUM(${parentLookup(parentSchema, parent, parentKey)}), 0) AS found
  FROM (SELECT DISTINCT ${vals} FROM ${from.sql} WHERE ${notNull} LIMIT ?) s`,
    params: [...from.params, limits.values],
  };
}

const JSON_INTEGER = "('INTEGER', 'UNSIGNED INTEGER')";

/** The integer at `path` of a document, or NULL (for the server: a JSON number cast exactly). */
function jsonIntegerAt(column: string, unsigned: boolean): string {
  return `CAST(JSON_EXTRACT(r.${quoteId(column)}, ?) AS ${unsigned ? 'UNSIGNED' : 'SIGNED'})`;
}

/** Sampled documents of a JSON column, for the client to find the paths that hold integers. */
export function jsonDocumentsSql(
  src: SampleSource,
  column: string,
  limits: { rows: number; documents: number; maxBytes: number },
): Statement {
  const from = sampled(src, [column], limits.rows, false);
  const c = `r.${quoteId(column)}`;
  return {
    // As text on both servers (MySQL's driver would otherwise parse its JSON type).
    sql: `SELECT CAST(${c} AS CHAR) AS doc FROM ${from.sql} WHERE ${c} IS NOT NULL AND LENGTH(${c}) <= ? LIMIT ?`,
    params: [...from.params, limits.maxBytes, limits.documents],
  };
}

/** Of the sampled documents, how many hold an integer at `path`, how many something else. */
export function jsonPathCountsSql(
  src: SampleSource,
  column: string,
  path: string,
  rows: number,
): Statement {
  const from = sampled(src, [column], rows, false);
  const at = `JSON_TYPE(JSON_EXTRACT(r.${quoteId(column)}, ?))`;
  return {
    sql: `SELECT COUNT(*) AS documents,
         COALESCE(SUM(${at} IN ${JSON_INTEGER}), 0) AS integers,
         COALESCE(SUM(${at} NOT IN ${JSON_INTEGER.replace(')', ", 'NULL')")}), 0) AS others
    FROM ${from.sql} WHERE r.${quoteId(column)} IS NOT NULL`,
    params: [path, path, ...from.params],
  };
}

/** Share of the distinct integers at `path` found in the parent's (single-column) key. */
export function jsonInclusionSql(
  src: SampleSource,
  column: string,
  path: string,
  parentSchema: string,
  parent: string,
  parentKey: string,
  unsigned: boolean,
  limits: { rows: number; values: number },
): Statement {
  const from = sampled(src, [column], limits.rows, false);
  const at = `JSON_TYPE(JSON_EXTRACT(r.${quoteId(column)}, ?))`;
  return {
    sql: `SELECT COUNT(*) AS tested, COALESCE(SUM(${parentLookup(parentSchema, parent, [parentKey])}), 0) AS found
  FROM (SELECT DISTINCT ${jsonIntegerAt(column, unsigned)} AS v0 FROM ${from.sql}
         WHERE ${at} IN ${JSON_INTEGER} LIMIT ?) s`,
    params: [path, ...from.params, path, limits.values],
  };
}

/**
 * A time column's values against incident.start, over the newest rows by key (the rows the
 * incident made are the newest): how many are at or after it, how many are NULL, the largest.
 */
export function timeCountsSql(
  src: SampleSource,
  column: string,
  start: string,
  rows: number,
): Statement {
  const from = sampled(src, [column], rows, true);
  const c = `r.${quoteId(column)}`;
  return {
    sql: `SELECT COUNT(*) AS n, COALESCE(SUM(${c} >= ?), 0) AS since,
         COALESCE(SUM(${c} IS NULL), 0) AS nulls, MAX(${c}) AS largest FROM ${from.sql}`,
    params: [start, ...from.params],
  };
}

/**
 * Key (and other) columns of the newest sampled rows, optionally only those created at or after
 * incident.start: the interim rows whose keys are then looked up in the backup.
 */
export function newestRowsSql(
  src: SampleSource,
  columns: readonly string[],
  since: { column: string; start: string } | null,
  limits: { rows: number; values: number },
): Statement {
  const from = sampled(src, since ? [...columns, since.column] : columns, limits.rows, true);
  const where = since ? ` WHERE r.${quoteId(since.column)} >= ?` : '';
  return {
    sql: `SELECT ${columns.map((c) => `r.${quoteId(c)}`).join(', ')} FROM ${from.sql}${where} LIMIT ?`,
    params: [...from.params, ...(since ? [since.start] : []), limits.values],
  };
}

/** How a looked-up value is cast so the comparison is exact (integers beyond 2^53 included). */
export type LookupCast = 'signed' | 'unsigned' | 'none';

function castParam(cast: LookupCast): string {
  return cast === 'signed'
    ? 'CAST(? AS SIGNED)'
    : cast === 'unsigned'
      ? 'CAST(? AS UNSIGNED)'
      : '?';
}

/**
 * How many of the given interim tuples match a backup row by `match` columns (all equal) while
 * differing in at least one `differ` column (none given: any match counts). For collisions:
 * match the key. For unique conflicts: match the unique key, differ in the row's key.
 */
export function countMatchesSql(
  schema: string,
  table: string,
  match: readonly { name: string; cast: LookupCast }[],
  differ: readonly { name: string; cast: LookupCast }[],
  tuples: readonly (readonly SqlParam[])[],
): Statement {
  const cols = [...match, ...differ];
  const first = cols.map((c, i) => `${castParam(c.cast)} AS t${i}`).join(', ');
  const rest = cols.map((c) => castParam(c.cast)).join(', ');
  const rows = tuples.map((_, n) => `SELECT ${n === 0 ? first : rest}`).join(' UNION ALL ');
  const eq = match.map((c, i) => `b.${quoteId(c.name)} = i.t${i}`).join(' AND ');
  const ne = differ.length
    ? ` AND NOT (${differ.map((c, i) => `b.${quoteId(c.name)} <=> i.t${match.length + i}`).join(' AND ')})`
    : '';
  return {
    sql: `SELECT COUNT(*) AS n FROM (${rows}) i
  WHERE EXISTS (SELECT 1 FROM ${quoteTable(schema, table)} b WHERE ${eq}${ne})`,
    params: tuples.flat(),
  };
}
