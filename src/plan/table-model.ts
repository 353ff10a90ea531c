import type { JsonPathStep } from '../config/json-path.js';
import type { TablePolicy } from '../config/policy.js';
import { digestColumns } from '../hash/digest.js';
import {
  type ComparedColumn,
  columnKey,
  compareNames,
  type TablePair,
} from '../introspect/compare.js';
import type { ColumnInfo, IndexInfo, TableInfo } from '../introspect/types.js';
import { mustGet } from '../must.js';

/** The two sides of the merge; a row's world says which side's ids its references mean. */
export type World = 'backup' | 'interim';

export function otherWorld(w: World): World {
  return w === 'backup' ? 'interim' : 'backup';
}

/**
 * A reference from a child's columns to a parent's key: a declared foreign key (on any side)
 * or one from the config. Columns are in the order of the parent's key columns, so a child's
 * values look up directly in the parent's remap maps.
 */
export interface Reference {
  /** "rental.customer_id" or "order_items.(tenant_id, order_id)" */
  readonly label: string;
  readonly child: string;
  readonly columns: readonly string[];
  readonly colIdx: readonly number[];
  readonly parent: string;
  /** every column is part of the child's key: moving the parent moves the child's key */
  readonly keyEmbedded: boolean;
  readonly source: 'declared' | 'config';
  /**
   * for a reference inside a JSON column's documents, the path to the id in them (its one
   * column holds the documents); null when the columns hold the id themselves
   */
  readonly path: readonly JsonPathStep[] | null;
}

export interface ColumnRef {
  readonly name: string;
  /** index in the model's compared columns */
  readonly idx: number;
  readonly info: ColumnInfo;
}

/** One table as the planner sees it: the pair, the target's shape, the policy, the base. */
export interface TableModel {
  readonly name: string;
  readonly pair: TablePair;
  /** compared columns, name order: the cells of every row */
  readonly columns: readonly ComparedColumn[];
  /** column name, lower case (names are case-blind) → index in `columns`; see columnIndex */
  readonly colIndex: ReadonlyMap<string, number>;
  /** the key columns actions are addressed by, spelled as the target spells them ([] without a key) */
  readonly key: readonly string[];
  readonly keyIdx: readonly number[];
  /** the target's table */
  readonly target: TableInfo;
  /** the target's stored columns, name order: what action rows and digests cover */
  readonly stored: readonly ColumnInfo[];
  readonly storedNames: readonly string[];
  readonly storedIdx: readonly number[];
  /**
   * the columns action rows carry: the stored ones, then the generated columns of the key or of
   * a unique key (never written; their value is the one the server computed, which is what the
   * key and unique-key checks compare)
   */
  readonly rowNames: readonly string[];
  readonly rowIdx: readonly number[];
  readonly policy: TablePolicy;
  /** which side's rows the target holds now (the interim, in place) */
  readonly base: World;
  /** the column that gets fresh ids when rows collide, or null when the key has none */
  readonly remapColumn: ColumnRef | null;
  readonly autoIncrement: ColumnInfo | null;
  /** unique keys of the target other than the row identity (prefix keys identify nothing) */
  readonly uniqueKeys: readonly IndexInfo[];
  /** outgoing references that are followed (see references.ts) */
  readonly refs: readonly Reference[];
}

/**
 * Builds a table's model. Throws a message (the caller turns it into a user error) when the
 * target's stored columns are not all compared: the plan would have no value to write.
 */
export function buildTableModel(
  pair: TablePair,
  target: TableInfo,
  policy: TablePolicy,
  base: World,
): TableModel | string {
  const columns = pair.columns;
  const colIndex = new Map(columns.map((c, i) => [columnKey(c.name), i]));
  const stored = digestColumns(target);
  const missing = stored.filter((c) => !colIndex.has(columnKey(c.name))).map((c) => c.name);
  if (missing.length > 0) {
    return `columns ${missing.join(', ')} of the target are not on both sides: the plan has no value to write for them`;
  }
  const spelled = new Map(target.columns.map((c) => [columnKey(c.name), c.name]));
  const key =
    pair.identity.kind === 'none'
      ? []
      : pair.identity.columns.map((n) => spelled.get(columnKey(n)) ?? n);
  const ai = target.columns.find((c) => c.autoIncrement) ?? null;
  const identityIndex = pair.identity.kind === 'unique' ? pair.identity.index : 'PRIMARY';
  const uniqueKeys = target.uniqueKeys.filter(
    (u) => u.unique && !u.prefix && u.name !== identityIndex && u.name !== 'PRIMARY',
  );
  const generated = generatedKeyColumns(target, key, uniqueKeys).filter((c) =>
    colIndex.has(columnKey(c)),
  );
  const storedNames = stored.map((c) => c.name);
  const storedIdx = stored.map((c) =>
    mustGet(colIndex, columnKey(c.name), `column of ${pair.name}`),
  );
  return {
    name: pair.name,
    pair,
    columns,
    colIndex,
    key,
    keyIdx: key.map((n) => mustGet(colIndex, columnKey(n), `key column of ${pair.name}`)),
    target,
    stored,
    storedNames,
    storedIdx,
    rowNames: [...storedNames, ...generated],
    rowIdx: [
      ...storedIdx,
      ...generated.map((c) => mustGet(colIndex, columnKey(c), `column of ${pair.name}`)),
    ],
    policy,
    base,
    remapColumn: remapColumnOf(key, target, colIndex),
    autoIncrement: ai,
    uniqueKeys,
    refs: [],
  };
}

/** Generated columns of the key or of a unique key, in name order of the target's columns. */
function generatedKeyColumns(
  target: TableInfo,
  key: readonly string[],
  uniqueKeys: readonly IndexInfo[],
): string[] {
  const named = new Set([...key, ...uniqueKeys.flatMap((u) => u.columns)].map(columnKey));
  return target.columns
    .filter((c) => c.generated !== null && named.has(columnKey(c.name)))
    .map((c) => c.name)
    .sort(compareNames);
}

/**
 * The key's auto-increment column, else its only column when that is an integer. Never a
 * generated column: its value is computed from the others, it cannot take a fresh id.
 */
function remapColumnOf(
  key: readonly string[],
  target: TableInfo,
  colIndex: ReadonlyMap<string, number>,
): ColumnRef | null {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  const ai = key.map((k) => byName.get(k)).find((c) => c?.autoIncrement);
  const only = key.length === 1 ? key[0] : undefined;
  const pickCol = ai ?? (only === undefined ? undefined : byName.get(only));
  if (pickCol?.family !== 'integer' || pickCol.generated !== null) return null;
  return {
    name: pickCol.name,
    idx: mustGet(colIndex, columnKey(pickCol.name), `remap column of ${target.name}`),
    info: pickCol,
  };
}

/** Where a column (by any spelling) is in the model's cells. */
export function columnIndex(model: TableModel, name: string): number | undefined {
  return model.colIndex.get(columnKey(name));
}

/** A column's info on one side, by any spelling of its name. */
export function sideColumn(t: TableInfo, name: string): ColumnInfo | undefined {
  const k = columnKey(name);
  return t.columns.find((c) => columnKey(c.name) === k);
}

/** The largest value an integer column can hold. */
export function integerMax(c: ColumnInfo): bigint {
  const bits: Record<string, bigint> = {
    tinyint: 8n,
    smallint: 16n,
    mediumint: 24n,
    int: 32n,
    integer: 32n,
    bigint: 64n,
  };
  const b = bits[c.dataType] ?? 64n;
  return c.unsigned ? (1n << b) - 1n : (1n << (b - 1n)) - 1n;
}
