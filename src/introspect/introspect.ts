import type { Session } from '../db/types.js';
import { must } from '../must.js';
import { JOURNAL_TABLE } from './reserved.js';
import { typeFamily } from './type-family.js';
import type {
  ColumnInfo,
  ForeignKeyInfo,
  IndexInfo,
  RowIdentity,
  SchemaInfo,
  TableInfo,
  TriggerInfo,
} from './types.js';

interface TableRow {
  name: string;
  engine: string | null;
  rowsEstimate: string | number | null;
  avgRowLength: string | number | null;
  autoIncrement: string | number | null;
}
interface ColumnRow {
  tableName: string;
  name: string;
  ordinal: string | number;
  dataType: string;
  columnType: string;
  nullable: string;
  charset: string | null;
  collation: string | null;
  extra: string | null;
  numericPrecision: string | number | null;
  numericScale: string | number | null;
  generation: string | null;
}
interface IndexRow {
  tableName: string;
  indexName: string;
  nonUnique: string | number;
  seq: string | number;
  columnName: string;
  nullable: string | null;
  subPart: string | number | null;
}
interface FkRow {
  tableName: string;
  name: string;
  columnName: string;
  seq: string | number;
  refSchema: string;
  refTable: string;
  refColumn: string;
  updateRule: string | null;
  deleteRule: string | null;
}
interface TriggerRow {
  tableName: string;
  name: string;
  event: string;
  timing: string;
  statement: string;
}
interface CheckRow {
  tableName: string;
  clause: string;
}

/** The catalog rows of a schema, as information_schema lists them. */
interface Catalog {
  readonly tables: TableRow[];
  readonly columns: ColumnRow[];
  readonly indexes: IndexRow[];
  readonly fks: FkRow[];
  readonly triggers: TriggerRow[];
  /** `table\u0000column` of MariaDB's JSON columns (LONGTEXT with a json_valid check) */
  readonly jsonColumns: Set<string>;
}

/**
 * Reads a schema's base tables (views are ignored; MariaDB's system-versioned tables are base
 * tables; reconcile's journal is left out) from information_schema: columns, keys, foreign
 * keys, auto-increment and triggers.
 * `only` limits it to some tables.
 */
export async function introspectSchema(
  s: Session,
  schema: string,
  only?: readonly string[],
): Promise<SchemaInfo> {
  return { schema, tables: assemble(await readCatalog(s, schema, only)) };
}

async function readCatalog(
  s: Session,
  schema: string,
  only: readonly string[] | undefined,
): Promise<Catalog> {
  const filter = only && only.length > 0 ? only : null;
  const inTables = (col: string): { sql: string; params: string[] } =>
    filter
      ? { sql: ` AND ${col} IN (${filter.map(() => '?').join(', ')})`, params: [...filter] }
      : { sql: '', params: [] };

  const t = inTables('TABLE_NAME');
  const tables = await s.query<TableRow>(
    `SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_ROWS AS rowsEstimate,
            AVG_ROW_LENGTH AS avgRowLength, AUTO_INCREMENT AS autoIncrement
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
        AND TABLE_NAME <> ?${t.sql}
      ORDER BY TABLE_NAME`,
    [schema, JOURNAL_TABLE, ...t.params],
  );
  const columns = await s.query<ColumnRow>(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal,
            DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, EXTRA AS extra,
            NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale,
            GENERATION_EXPRESSION AS generation
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ?${t.sql}
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema, ...t.params],
  );
  const indexes = await s.query<IndexRow>(
    `SELECT TABLE_NAME AS tableName, INDEX_NAME AS indexName, NON_UNIQUE AS nonUnique,
            SEQ_IN_INDEX AS seq, COLUMN_NAME AS columnName, NULLABLE AS nullable,
            SUB_PART AS subPart
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ?${t.sql}
      ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema, ...t.params],
  );
  const k = inTables('k.TABLE_NAME');
  const fks = await s.query<FkRow>(
    `SELECT k.TABLE_NAME AS tableName, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS columnName,
            k.ORDINAL_POSITION AS seq, k.REFERENCED_TABLE_SCHEMA AS refSchema,
            k.REFERENCED_TABLE_NAME AS refTable, k.REFERENCED_COLUMN_NAME AS refColumn,
            r.UPDATE_RULE AS updateRule, r.DELETE_RULE AS deleteRule
       FROM information_schema.KEY_COLUMN_USAGE k
       LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL${k.sql}
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [schema, ...k.params],
  );
  const e = inTables('EVENT_OBJECT_TABLE');
  const triggers = await s.query<TriggerRow>(
    `SELECT EVENT_OBJECT_TABLE AS tableName, TRIGGER_NAME AS name, EVENT_MANIPULATION AS event,
            ACTION_TIMING AS timing, ACTION_STATEMENT AS statement
       FROM information_schema.TRIGGERS
      WHERE EVENT_OBJECT_SCHEMA = ?${e.sql}
      ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME`,
    [schema, ...e.params],
  );
  return { tables, columns, indexes, fks, triggers, jsonColumns: await readJsonChecks(s, schema) };
}

/** One TableInfo per table, from the catalog rows. */
function assemble(cat: Catalog): Map<string, TableInfo> {
  const { tables, columns, indexes, fks, triggers, jsonColumns } = cat;
  const byTable = <R extends { tableName: string }>(rows: R[]): Map<string, R[]> => {
    const m = new Map<string, R[]>();
    for (const r of rows) {
      const list = m.get(r.tableName);
      if (list) list.push(r);
      else m.set(r.tableName, [r]);
    }
    return m;
  };
  // MariaDB's system-versioned tables: the row start/end columns hold transaction times, not
  // data (a restore gives every row new ones); they are neither compared nor written, and the
  // row end column MariaDB adds to the primary key is no part of a row's identity.
  const period = new Set(
    columns
      .filter((c) => /^ROW (START|END)$/i.test((c.generation ?? '').trim()))
      .map((c) => `${c.tableName}\u0000${c.name}`),
  );
  const colsBy = byTable(columns.filter((c) => !period.has(`${c.tableName}\u0000${c.name}`)));
  const idxBy = byTable(indexes.filter((i) => !period.has(`${i.tableName}\u0000${i.columnName}`)));
  const fkBy = byTable(fks);
  const trgBy = byTable(triggers);

  const result = new Map<string, TableInfo>();
  for (const tr of tables) {
    const cols = (colsBy.get(tr.name) ?? []).map((c) =>
      toColumn(c, jsonColumns.has(`${tr.name}\u0000${c.name}`)),
    );
    const idx = toIndexes(idxBy.get(tr.name) ?? []);
    const primary = idx.find((i) => i.name === 'PRIMARY') ?? null;
    const uniqueKeys = idx.filter((i) => i.unique && i.name !== 'PRIMARY');
    result.set(tr.name, {
      name: tr.name,
      columns: cols,
      primaryKey: primary ? primary.columns : null,
      uniqueKeys,
      foreignKeys: toForeignKeys(fkBy.get(tr.name) ?? []),
      identity: chooseIdentity(primary, uniqueKeys, cols),
      autoIncrement: tr.autoIncrement === null ? null : String(tr.autoIncrement),
      triggers: (trgBy.get(tr.name) ?? []).map(
        (x): TriggerInfo => ({
          name: x.name,
          event: x.event,
          timing: x.timing,
          statement: x.statement,
        }),
      ),
      engine: tr.engine,
      rowsEstimate: Number(tr.rowsEstimate ?? 0),
      avgRowLength: Number(tr.avgRowLength ?? 0),
    });
  }
  return result;
}

/** MariaDB stores JSON as LONGTEXT with a `json_valid(col)` check; MySQL has a real type. */
async function readJsonChecks(s: Session, schema: string): Promise<Set<string>> {
  const found = new Set<string>();
  if (s.server.flavor !== 'mariadb') return found;
  const rows = await s.query<CheckRow>(
    `SELECT TABLE_NAME AS tableName, CHECK_CLAUSE AS clause
       FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`,
    [schema],
  );
  for (const r of rows) {
    const m = /^\s*json_valid\(`((?:[^`]|``)+)`\)\s*$/i.exec(r.clause);
    if (m?.[1]) found.add(`${r.tableName}\u0000${m[1].replaceAll('``', '`')}`);
  }
  return found;
}

function toColumn(c: ColumnRow, jsonChecked: boolean): ColumnInfo {
  const extra = (c.extra ?? '').toLowerCase();
  const generated = /virtual|persistent|stored/.test(extra)
    ? extra.includes('virtual')
      ? 'virtual'
      : 'stored'
    : null;
  return {
    name: c.name,
    ordinal: Number(c.ordinal),
    dataType: c.dataType.toLowerCase(),
    columnType: c.columnType,
    family: typeFamily(c.dataType, c.charset, jsonChecked),
    nullable: c.nullable === 'YES',
    unsigned: /\bunsigned\b/i.test(c.columnType),
    charset: c.charset,
    collation: c.collation,
    generated,
    autoIncrement: extra.includes('auto_increment'),
    onUpdate: extra.includes('on update'),
    numericPrecision: c.numericPrecision === null ? null : Number(c.numericPrecision),
    numericScale: c.numericScale === null ? null : Number(c.numericScale),
  };
}

function toIndexes(rows: IndexRow[]): IndexInfo[] {
  const by = new Map<string, IndexRow[]>();
  for (const r of rows) {
    const list = by.get(r.indexName);
    if (list) list.push(r);
    else by.set(r.indexName, [r]);
  }
  return [...by.entries()].map(([name, parts]) => ({
    name,
    unique: Number(parts[0]?.nonUnique ?? 1) === 0,
    columns: parts.map((p) => p.columnName),
    nullable: parts.some((p) => p.nullable === 'YES'),
    prefix: parts.some((p) => p.subPart !== null),
  }));
}

function toForeignKeys(rows: FkRow[]): ForeignKeyInfo[] {
  const by = new Map<string, FkRow[]>();
  for (const r of rows) {
    const list = by.get(r.name);
    if (list) list.push(r);
    else by.set(r.name, [r]);
  }
  return [...by.entries()].map(([name, parts]) => {
    const first = must(parts[0], `foreign key ${name}'s first column`);
    return {
      name,
      columns: parts.map((p) => p.columnName),
      refSchema: first.refSchema,
      refTable: first.refTable,
      refColumns: parts.map((p) => p.refColumn),
      onUpdate: first.updateRule ?? 'RESTRICT',
      onDelete: first.deleteRule ?? 'RESTRICT',
    };
  });
}

/**
 * A row's identity: the primary key; else the first NOT NULL, non-prefix unique key (by name, so
 * the choice is the same on both sides); else none, and the table compares as a multiset.
 */
export function chooseIdentity(
  primary: IndexInfo | null,
  uniqueKeys: readonly IndexInfo[],
  columns: readonly ColumnInfo[],
): RowIdentity {
  if (primary && !primary.prefix) return { kind: 'primary', columns: primary.columns };
  const notNull = (name: string): boolean =>
    columns.find((c) => c.name === name)?.nullable === false;
  const candidates = uniqueKeys
    .filter((u) => !u.prefix && u.columns.every(notNull))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const u = candidates[0];
  if (u) return { kind: 'unique', index: u.name, columns: u.columns };
  return { kind: 'none' };
}
