import type { TablePolicy } from '../config/policy.js';
import { digestColumns } from '../hash/digest.js';
import type { ComparedColumn, TablePair } from '../introspect/compare.js';
import type { ColumnInfo, IndexInfo, TableInfo } from '../introspect/types.js';

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
  readonly colIndex: ReadonlyMap<string, number>;
  /** the key columns actions are addressed by ([] without a key) */
  readonly key: readonly string[];
  readonly keyIdx: readonly number[];
  /** the target's table */
  readonly target: TableInfo;
  /** the target's stored columns, name order: what action rows and digests cover */
  readonly stored: readonly ColumnInfo[];
  readonly storedNames: readonly string[];
  readonly storedIdx: readonly number[];
  readonly policy: TablePolicy;
  /** which side's rows the target holds now (the interim, in place) */
  readonly base: World;
  /** the column that gets fresh ids when rows collide, or null when the key has none */
  readonly remapColumn: ColumnRef | null;
  readonly autoIncrement: ColumnInfo | null;
  /** unique keys of the target other than the row identity (prefix keys identify nothing) */
  readonly uniqueKeys: readonly IndexInfo[];
  /** outgoing references that are followed */
  refs: Reference[];
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
  const colIndex = new Map(columns.map((c, i) => [c.name, i]));
  const stored = digestColumns(target);
  const missing = stored.filter((c) => !colIndex.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    return `columns ${missing.join(', ')} of the target are not on both sides: the plan has no value to write for them`;
  }
  const key = pair.identity.kind === 'none' ? [] : [...pair.identity.columns];
  const ai = target.columns.find((c) => c.autoIncrement) ?? null;
  const identityIndex = pair.identity.kind === 'unique' ? pair.identity.index : 'PRIMARY';
  return {
    name: pair.name,
    pair,
    columns,
    colIndex,
    key,
    keyIdx: key.map((n) => colIndex.get(n) as number),
    target,
    stored,
    storedNames: stored.map((c) => c.name),
    storedIdx: stored.map((c) => colIndex.get(c.name) as number),
    policy,
    base,
    remapColumn: remapColumnOf(key, target, colIndex),
    autoIncrement: ai,
    uniqueKeys: target.uniqueKeys.filter(
      (u) => u.unique && !u.prefix && u.name !== identityIndex && u.name !== 'PRIMARY',
    ),
    refs: [],
  };
}

/** The key's auto-increment column, else its only column when that is an integer. */
function remapColumnOf(
  key: readonly string[],
  target: TableInfo,
  colIndex: ReadonlyMap<string, number>,
): ColumnRef | null {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  const ai = key.map((k) => byName.get(k)).find((c) => c?.autoIncrement);
  const pickCol = ai ?? (key.length === 1 ? byName.get(key[0] as string) : undefined);
  if (pickCol?.family !== 'integer') return null;
  return { name: pickCol.name, idx: colIndex.get(pickCol.name) as number, info: pickCol };
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
