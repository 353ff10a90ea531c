import type { ColumnInfo, RowIdentity, SchemaInfo, TableInfo, TypeFamily } from './types.js';

/** A column both sides have, compared under one canonical family. */
export interface ComparedColumn {
  readonly name: string;
  readonly family: TypeFamily;
  readonly backup: ColumnInfo;
  readonly interim: ColumnInfo;
}

export interface TypeChange {
  readonly column: string;
  readonly backup: string;
  readonly interim: string;
}

/** How a table differs in shape between the sides. Reported, never fatal. */
export interface TableDrift {
  readonly columnsOnlyInBackup: readonly string[];
  readonly columnsOnlyInInterim: readonly string[];
  readonly typeChanged: readonly TypeChange[];
  /** The row identity differs (e.g. a primary key added or changed on one side). */
  readonly identityChanged: { readonly backup: string; readonly interim: string } | null;
}

export interface TablePair {
  readonly name: string;
  readonly backup: TableInfo;
  readonly interim: TableInfo;
  /** The compared columns, in canonical (name) order. */
  readonly columns: readonly ComparedColumn[];
  readonly identity: RowIdentity;
  readonly drift: TableDrift | null;
}

export interface SchemaComparison {
  readonly pairs: readonly TablePair[];
  readonly onlyInBackup: readonly TableInfo[];
  readonly onlyInInterim: readonly TableInfo[];
}

/** Byte order of the UTF-8 names: the one order canonical encodings use. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareSchemas(backup: SchemaInfo, interim: SchemaInfo): SchemaComparison {
  const pairs: TablePair[] = [];
  const onlyInBackup: TableInfo[] = [];
  for (const [name, b] of backup.tables) {
    const i = interim.tables.get(name);
    if (i) pairs.push(pairTables(b, i));
    else onlyInBackup.push(b);
  }
  const onlyInInterim = [...interim.tables.values()].filter((t) => !backup.tables.has(t.name));
  const byName = (x: { name: string }, y: { name: string }): number => compareNames(x.name, y.name);
  return {
    pairs: pairs.sort(byName),
    onlyInBackup: onlyInBackup.sort(byName),
    onlyInInterim: onlyInInterim.sort(byName),
  };
}

/** Column names are case-blind in MySQL and MariaDB: `Name` and `name` are one column. */
export function columnKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Pairs one table's two sides. Columns are matched by name, ignoring case, and known by the
 * backup's spelling (SQL finds them by it on either side).
 */
export function pairTables(backup: TableInfo, interim: TableInfo): TablePair {
  const iCols = new Map(interim.columns.map((c) => [columnKey(c.name), c]));
  const bCols = new Map(backup.columns.map((c) => [columnKey(c.name), c]));
  const columns: ComparedColumn[] = [];
  const typeChanged: TypeChange[] = [];
  for (const b of backup.columns) {
    const i = iCols.get(columnKey(b.name));
    if (!i) continue;
    columns.push({ name: b.name, family: commonFamily(b.family, i.family), backup: b, interim: i });
    if (
      b.columnType !== i.columnType ||
      b.family !== i.family ||
      b.charset !== i.charset ||
      normalCollation(b.collation) !== normalCollation(i.collation)
    ) {
      typeChanged.push({ column: b.name, backup: describeType(b), interim: describeType(i) });
    }
  }
  columns.sort((x, y) => compareNames(x.name, y.name));
  const columnsOnlyInBackup = backup.columns
    .filter((c) => !iCols.has(columnKey(c.name)))
    .map((c) => c.name);
  const columnsOnlyInInterim = interim.columns
    .filter((c) => !bCols.has(columnKey(c.name)))
    .map((c) => c.name);

  // the interim's key in the backup's spelling of its columns
  const spelled = (n: string): string => bCols.get(columnKey(n))?.name ?? n;
  const interimIdentity: RowIdentity =
    interim.identity.kind === 'none'
      ? interim.identity
      : { ...interim.identity, columns: interim.identity.columns.map(spelled) };
  const { identity, changed } = commonIdentity(backup.identity, interimIdentity, columns);
  const anyDrift =
    columnsOnlyInBackup.length > 0 ||
    columnsOnlyInInterim.length > 0 ||
    typeChanged.length > 0 ||
    changed !== null;
  return {
    name: backup.name,
    backup,
    interim,
    columns,
    identity,
    drift: anyDrift
      ? { columnsOnlyInBackup, columnsOnlyInInterim, typeChanged, identityChanged: changed }
      : null,
  };
}

function describeType(c: ColumnInfo): string {
  // the collation names the charset too, and decides equality and order of text
  const cs = c.collation && c.family === 'text' ? ` ${c.collation}` : '';
  return `${c.columnType}${cs}${c.family === 'json' && c.dataType !== 'json' ? ' (json)' : ''}`;
}

/** MySQL 5.7 says utf8_general_ci where MariaDB 10.6+ and MySQL 8 say utf8mb3_general_ci. */
function normalCollation(c: string | null): string | null {
  return c === null ? null : c.replace(/^utf8_/, 'utf8mb3_');
}

/**
 * What decides how the server orders and equates a key column's values. Chunking reads both
 * sides with the same key-range predicates, so a key can only be chunked when both sides order
 * it the same way: otherwise a row could fall in one chunk on one side and in another on the
 * other side (and the boundary walker could go back and forth for ever).
 */
export function keyOrder(c: ColumnInfo): string {
  switch (c.family) {
    case 'integer':
    case 'decimal':
      // compared exactly as decimals whatever the width, sign or scale (key-sql placeholder)
      return 'number';
    case 'temporal':
      return `temporal:${c.dataType === 'timestamp' ? 'datetime' : c.dataType}`;
    case 'text':
      return `text:${normalCollation(c.collation)}`;
    case 'enum':
    case 'set':
      // ordered by member index: the member list must be the same
      return `${c.family}:${c.columnType}`;
    default:
      return c.family;
  }
}

function describeOrder(c: ColumnInfo): string {
  if (c.family === 'text') return c.collation ?? c.columnType;
  return c.columnType;
}

/**
 * One side's JSON compares as JSON against the other's text: MariaDB's JSON is LONGTEXT, and a
 * restore may have lost its json_valid check.
 */
function commonFamily(b: TypeFamily, i: TypeFamily): TypeFamily {
  if (b === i) return b;
  if ((b === 'json' && i === 'text') || (b === 'text' && i === 'json')) return 'json';
  return b;
}

function describeIdentity(id: RowIdentity): string {
  return id.kind === 'none' ? 'none' : `${id.kind}(${id.columns.join(', ')})`;
}

/**
 * The identity both sides share. When they differ, the backup's is kept if the interim holds
 * its columns as a key too; otherwise the table compares as a multiset of its common columns.
 * A key whose columns the sides order differently (a collation, an ENUM's members) cannot be
 * chunked: the table compares as a multiset too.
 */
function commonIdentity(
  b: RowIdentity,
  i: RowIdentity,
  columns: readonly ComparedColumn[],
): { identity: RowIdentity; changed: TableDrift['identityChanged'] } {
  const none: RowIdentity = { kind: 'none' };
  const same =
    b.kind === i.kind &&
    (b.kind === 'none' ||
      (i.kind !== 'none' &&
        b.columns.length === i.columns.length &&
        b.columns.every((c, n) => c === i.columns[n])));
  let candidate: RowIdentity | null = null;
  let changed: TableDrift['identityChanged'] = null;
  if (same) candidate = b;
  else {
    changed = { backup: describeIdentity(b), interim: describeIdentity(i) };
    const names = new Set(columns.map((c) => c.name));
    if (b.kind !== 'none' && i.kind !== 'none' && b.columns.every((c) => names.has(c))) {
      const sameCols =
        b.columns.length === i.columns.length && b.columns.every((c) => i.columns.includes(c));
      if (sameCols) candidate = b;
    }
  }
  if (candidate === null) return { identity: none, changed };
  if (candidate.kind === 'none') return { identity: candidate, changed };
  const keyCols = candidate.columns.map((n) => columns.find((c) => c.name === n));
  const ordered = keyCols.every((c) => c && keyOrder(c.backup) === keyOrder(c.interim));
  if (ordered) return { identity: candidate, changed };
  const orders = (side: 'backup' | 'interim'): string =>
    keyCols.map((c) => (c ? describeOrder(c[side]) : '?')).join(', ');
  return {
    identity: none,
    changed: {
      backup: `${describeIdentity(b)} ordered by ${orders('backup')}`,
      interim: `${describeIdentity(i)} ordered by ${orders('interim')}`,
    },
  };
}
