import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { compareNames } from './compare.js';
import type { SchemaInfo, TableInfo } from './types.js';

/**
 * A table's shape: columns and their types, keys, foreign keys, triggers. Statistics (row
 * estimates, the AUTO_INCREMENT counter) are left out: they change without the schema changing.
 */
function tableShape(t: TableInfo): Record<string, unknown> {
  return {
    name: t.name,
    columns: t.columns.map((c) => ({
      name: c.name,
      type: c.columnType,
      family: c.family,
      nullable: c.nullable,
      charset: c.charset,
      collation: c.collation,
      generated: c.generated,
      autoIncrement: c.autoIncrement,
      onUpdate: c.onUpdate,
    })),
    primaryKey: t.primaryKey,
    uniqueKeys: t.uniqueKeys.map((u) => ({ name: u.name, columns: u.columns, prefix: u.prefix })),
    foreignKeys: t.foreignKeys.map((f) => ({
      name: f.name,
      columns: f.columns,
      refTable: f.refTable,
      refColumns: f.refColumns,
    })),
    triggers: t.triggers.map((x) => ({ name: x.name, event: x.event, timing: x.timing })),
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of a schema's shape: every table's, in name order. */
export function schemaFingerprint(s: SchemaInfo): string {
  const tables = [...s.tables.values()].sort((a, b) => compareNames(a.name, b.name));
  return sha256(stableStringify(tables.map(tableShape)));
}

/** sha256 of one table's shape. */
export function tableFingerprint(t: TableInfo): string {
  return sha256(stableStringify(tableShape(t)));
}
