import type { IncidentStart } from './incident-time.js';
import type { OnChanged, OnMissingInInterim, OnUniqueConflict, RemapSide } from './schema.js';
import type { ConfigJsonReference, ConfigReference, PlanConfig, TableConfig } from './types.js';

/** The policy that applies to one table: its own settings over `defaults`, checked against its columns. */
export interface TablePolicy {
  readonly skip: boolean;
  readonly onMissingInInterim: OnMissingInInterim;
  readonly onChanged: OnChanged;
  readonly onUniqueConflict: OnUniqueConflict;
  readonly remap: RemapSide;
  /** ids left free above both sides' largest id before the first fresh id (absent: none) */
  readonly remapHeadroom?: number;
  readonly naturalKey: readonly string[] | null;
  /** the columns the config says identify the table's rows (null: the schema's key) */
  readonly key: readonly string[] | null;
  readonly createdAt: string | null;
  /**
   * where `createdAt` divides the backup's rows from the interim's own: the table's
   * `createdAfter`, else incident.start (null: neither is given)
   */
  readonly createdAfter: IncidentStart | null;
  readonly updatedAt: string | null;
  readonly references: readonly ConfigReference[];
  /** references inside JSON documents (`extra$.merchant_id`), apart from the column ones */
  readonly jsonReferences: readonly ConfigJsonReference[];
}

const EMPTY_TABLE: TableConfig = {
  onMissingInInterim: null,
  onChanged: null,
  onUniqueConflict: null,
  remap: null,
  createdAt: null,
  updatedAt: null,
  naturalKey: null,
  key: null,
  createdAfter: null,
  skip: false,
  references: [],
  jsonReferences: [],
};

export function tablePath(table: string, key?: string): string {
  const t = /^[A-Za-z_]\w*$/.test(table) ? `tables.${table}` : `tables[${JSON.stringify(table)}]`;
  return key ? `${t}.${key}` : t;
}

/**
 * Resolves a table's policy. A column named at table level must exist (else a problem); a
 * column named in `defaults` applies only where the table has it.
 */
export function resolvePolicy(
  config: PlanConfig,
  table: string,
  columns: ReadonlySet<string>,
  problems: string[],
): TablePolicy {
  const t = config.tables[table] ?? EMPTY_TABLE;
  const d = config.defaults;
  // Column names are case-blind in MySQL and MariaDB.
  const lower = new Set([...columns].map((c) => c.toLowerCase()));
  const has = (c: string): boolean => lower.has(c.toLowerCase());
  const own = (key: 'createdAt' | 'updatedAt'): string | null => {
    const name = t[key];
    if (name !== null) {
      if (!has(name))
        problems.push(`${tablePath(table, key)}: no column ${JSON.stringify(name)} in ${table}`);
      return name;
    }
    const fallback = d[key];
    return fallback !== null && has(fallback) ? fallback : null;
  };
  const createdAt = own('createdAt');
  const updatedAt = own('updatedAt');
  const policy: TablePolicy = {
    skip: t.skip,
    onMissingInInterim: t.onMissingInInterim ?? d.onMissingInInterim,
    onChanged: t.onChanged ?? d.onChanged,
    onUniqueConflict: t.onUniqueConflict ?? d.onUniqueConflict,
    remap: t.remap ?? d.remap,
    ...headroom(t.remapHeadroom ?? d.remapHeadroom),
    naturalKey: t.naturalKey,
    key: t.key,
    createdAt,
    createdAfter: t.createdAfter ?? config.incident,
    updatedAt,
    references: t.references,
    jsonReferences: t.jsonReferences,
  };
  if (t.skip) return policy;
  for (const c of t.key ?? []) {
    if (!has(c))
      problems.push(`${tablePath(table, 'key')}: no column ${JSON.stringify(c)} in ${table}`);
  }
  for (const c of t.naturalKey ?? []) {
    if (!has(c))
      problems.push(
        `${tablePath(table, 'naturalKey')}: no column ${JSON.stringify(c)} in ${table}`,
      );
  }
  for (const key of ['onChanged', 'onUniqueConflict'] as const) {
    if (policy[key] === 'newest' && updatedAt === null) {
      const from = t[key] !== null ? tablePath(table, key) : `defaults.${key}`;
      problems.push(
        `${from}: newest needs an updatedAt column, and ${table} has no ${JSON.stringify(d.updatedAt ?? 'updatedAt')}: set ${tablePath(table, 'updatedAt')}`,
      );
    }
  }
  for (const r of t.references) {
    if (!has(r.column)) {
      problems.push(
        `${tablePath(table, 'references')}.${r.column}: no column ${JSON.stringify(r.column)} in ${table}`,
      );
    }
  }
  for (const r of t.jsonReferences) {
    const where = `${tablePath(table, 'references')}[${JSON.stringify(`${r.column}${r.path}`)}]`;
    if (!has(r.column))
      problems.push(`${where}: no column ${JSON.stringify(r.column)} in ${table}`);
  }
  return policy;
}

function headroom(n: number | undefined): { remapHeadroom?: number } {
  return n === undefined || n === 0 ? {} : { remapHeadroom: n };
}
