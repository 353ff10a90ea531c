import stableStringify from 'fast-json-stable-stringify';
import type { PlanConfig } from '../config/types.js';
import { describeTarget } from '../db/url.js';
import { compareNames } from '../introspect/compare.js';
import type { SchemaInfo } from '../introspect/types.js';
import { sha256 } from './plan-files.js';

/**
 * sha256 of a schema's shape: tables, columns and their types, keys, foreign keys, triggers.
 * Statistics (row estimates, the AUTO_INCREMENT counter) are left out: they change without the
 * schema changing, and a plan must be reproducible.
 */
export function schemaFingerprint(s: SchemaInfo): string {
  const tables = [...s.tables.values()]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((t) => ({
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
    }));
  return sha256(stableStringify(tables));
}

/** The effective config as the plan records and hashes it: no password, no output folder. */
export function configRecord(c: PlanConfig): Record<string, unknown> {
  return {
    backup: describeTarget(c.backup),
    interim: describeTarget(c.interim),
    target: c.target ? describeTarget(c.target) : 'interim',
    incident: { start: c.incident?.iso ?? null },
    defaults: c.defaults,
    tables: c.tables,
  };
}

export function configHash(c: PlanConfig): string {
  return sha256(stableStringify(configRecord(c)));
}
