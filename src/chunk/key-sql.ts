import { quoteId } from '../db/quote.js';
import type { RawValue, SqlParam } from '../db/types.js';
import type { ColumnInfo } from '../introspect/types.js';

/**
 * Pure SQL builders for key columns: range predicates over composite keys, typed placeholders,
 * the expressions that give each key column a comparable "match" form. No connection here.
 */

export interface KeyColumn {
  readonly name: string;
  readonly info: ColumnInfo;
  /**
   * For text keys: an expression whose bytes are equal exactly when the collation says the
   * values are equal (so 'Shop1' and 'shop1' under a _ci collation are one key). Null for keys
   * whose text form already is that (integers, dates, binary strings).
   */
  readonly weight: string | null;
}

export function keyColumn(info: ColumnInfo): KeyColumn {
  return { name: info.name, info, weight: weightExpr(info) };
}

/**
 * MariaDB's WEIGHT_STRING keeps trailing spaces even under PAD SPACE collations, where 'a' and
 * 'a ' are the same key: trim them first for those.
 */
function weightExpr(c: ColumnInfo): string | null {
  if (c.family !== 'text' || !c.collation || c.charset === 'binary') return null;
  const col = quoteId(c.name);
  return isNoPad(c.collation)
    ? `WEIGHT_STRING(${col})`
    : `WEIGHT_STRING(TRIM(TRAILING ' ' FROM ${col}))`;
}

export function isNoPad(collation: string): boolean {
  return /_nopad_|_0900_|^binary$/.test(collation);
}

/** Key families whose boundaries are taken, passed and compared as unsigned numbers. */
function numericBoundary(k: KeyColumn): boolean {
  const f = k.info.family;
  return f === 'enum' || f === 'set' || f === 'bit';
}

/**
 * How a key column is selected for chunk boundaries: ENUM and SET sort by their index number,
 * not their text, so boundaries are taken (and compared) as numbers. BIT sorts as a number too,
 * and the server compares a BIT column with a byte string as text ('1' > X'0001'), never byte
 * by byte: its boundaries must be numbers as well.
 */
export function boundaryExpr(k: KeyColumn): string {
  const col = quoteId(k.name);
  return numericBoundary(k) ? `(${col} + 0)` : col;
}

/**
 * A placeholder that makes the server compare a key value exactly: a string compared with a
 * DECIMAL or BIGINT column would go through a double and match the wrong rows.
 *
 * Integers and decimals go as a DECIMAL wide enough for the value itself, not as the column's
 * own type: the value may come from the other side's column (a key that drifted from INT to
 * BIGINT UNSIGNED, or from DECIMAL(10,2) to DECIMAL(12,4)), and CAST('-5' AS UNSIGNED) wraps,
 * CAST('1.235' AS DECIMAL(10,2)) rounds — either would put rows in the wrong chunk.
 */
export function placeholder(k: KeyColumn, v?: RawValue): string {
  const c = k.info;
  switch (c.family) {
    case 'integer':
      return 'CAST(? AS DECIMAL(65, 0))';
    case 'decimal': {
      const text = v ? v.toString('latin1') : '';
      const dot = text.indexOf('.');
      const scale = dot < 0 ? (v ? 0 : (c.numericScale ?? 0)) : text.length - dot - 1;
      return `CAST(? AS DECIMAL(65, ${Math.min(30, scale)}))`;
    }
    case 'enum':
    case 'set':
    case 'bit':
      return 'CAST(? AS UNSIGNED)';
    default:
      return '?';
  }
}

/**
 * The parameter for a key value read as raw bytes (for boundaries: as `boundaryExpr`). ENUM,
 * SET and BIT values must be their numbers' text, as `boundaryExpr` selects them: a BIT
 * column's raw bytes compare wrongly with a BIT column (`b = X'0003'` matches 0 on MariaDB).
 */
export function keyParam(k: KeyColumn, v: RawValue): SqlParam {
  if (v === null) return null;
  switch (k.info.family) {
    case 'binary':
    case 'geometry':
      return Buffer.from(v);
    default:
      return v.toString('utf8');
  }
}

export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/**
 * `key > values` (op '>') or `key <= values` (op '<=') in lexicographic order over a composite
 * key, nested so that the server's range optimiser uses the index:
 * `(a > ? OR (a = ? AND (b > ? OR (b = ? AND c > ?))))`, with a leading `a >= ?` (or `a <= ?`).
 */
export function compareKey(
  keys: readonly KeyColumn[],
  values: readonly RawValue[],
  op: '>' | '<=',
): SqlFragment {
  const strict = op === '>' ? '>' : '<';
  const params: SqlParam[] = [];
  const build = (k: KeyColumn, i: number): string => {
    const col = quoteId(k.name);
    const ph = placeholder(k, values[i] ?? null);
    const v = keyParam(k, values[i] ?? null);
    const next = keys[i + 1];
    if (next === undefined) {
      params.push(v);
      return `${col} ${op} ${ph}`;
    }
    params.push(v, v);
    return `(${col} ${strict} ${ph} OR (${col} = ${ph} AND ${build(next, i + 1)}))`;
  };
  const first = keys[0];
  if (!first) throw new Error('a key needs at least one column');
  const lead = `${quoteId(first.name)} ${op === '>' ? '>=' : '<='} ${placeholder(first, values[0] ?? null)}`;
  const leadParam = keyParam(first, values[0] ?? null);
  const inner = build(first, 0);
  return keys.length === 1
    ? { sql: inner, params }
    : { sql: `(${lead} AND ${inner})`, params: [leadParam, ...params] };
}

/** A chunk's rows: lo < key <= hi, where a missing bound is open. */
export function rangePredicate(
  keys: readonly KeyColumn[],
  lo: readonly RawValue[] | null,
  hi: readonly RawValue[] | null,
): SqlFragment {
  const parts: SqlFragment[] = [];
  if (lo) parts.push(compareKey(keys, lo, '>'));
  if (hi) parts.push(compareKey(keys, hi, '<='));
  if (parts.length === 0) return { sql: '1=1', params: [] };
  return {
    sql: parts.map((p) => p.sql).join(' AND '),
    params: parts.flatMap((p) => p.params),
  };
}

export function orderBy(keys: readonly KeyColumn[]): string {
  return keys.map((k) => quoteId(k.name)).join(', ');
}
