import { resolvePolicy, type TablePolicy, tablePath } from '../config/policy.js';
import type { PlanConfig } from '../config/types.js';
import { ConfigError, PreconditionError } from '../errors.js';
import type { SchemaComparison, TableDrift, TablePair } from '../introspect/compare.js';
import type { SchemaInfo, TableInfo } from '../introspect/types.js';

/** A table the plan merges: its pair, the target's table and its policy. */
export interface PlannedPair {
  readonly pair: TablePair;
  readonly target: TableInfo;
  readonly policy: TablePolicy;
}

export interface Selection {
  readonly planned: PlannedPair[];
  readonly skipped: { table: string; reason: string }[];
}

/**
 * Checks the config against the schemas and picks the tables to plan. Config mistakes (an
 * unknown table or column) are one ConfigError (exit 2) listing all of them; tables the plan
 * cannot merge as they are (only in the backup, shapes that differ, missing in the target) are
 * one PreconditionError (exit 3), unless the config skips them.
 */
export function selectTables(
  config: PlanConfig,
  c: SchemaComparison,
  target: SchemaInfo,
): Selection {
  const problems = unknownTables(config, c);
  const refusals: string[] = [];
  // The first table refused, for the error's `table`.
  let first: string | undefined;
  const refuse = (table: string, why: string): void => {
    refusals.push(why);
    first ??= table;
  };
  const planned: PlannedPair[] = [];
  const skipped: { table: string; reason: string }[] = [];
  for (const pair of c.pairs) {
    const columns = new Set(pair.columns.map((col) => col.name));
    const policy = resolvePolicy(config, pair.name, columns, problems);
    if (policy.skip) {
      skipped.push({ table: pair.name, reason: 'skip: true in the config' });
      continue;
    }
    checkColumnTypes(pair, policy, problems);
    checkReferences(pair.name, policy, c, problems);
    const t = target.tables.get(pair.name);
    if (!t) refuse(pair.name, `${pair.name}: not in the target ${target.schema}`);
    else if (pair.drift) refuse(pair.name, driftRefusal(pair.name, pair.drift));
    else planned.push({ pair: withConfiguredKey(pair, policy), target: t, policy });
  }
  for (const t of c.onlyInBackup) {
    if (config.tables[t.name]?.skip)
      skipped.push({ table: t.name, reason: 'skip: true in the config' });
    else
      refuse(
        t.name,
        `${t.name}: only in the backup: create it in the target, or set ${tablePath(t.name, 'skip')}: true`,
      );
  }
  for (const t of c.onlyInInterim)
    skipped.push({ table: t.name, reason: 'only in the interim: left as it is' });
  if (problems.length > 0) throw new ConfigError(problems, config.source ?? 'flags');
  if (refusals.length > 0)
    throw new PreconditionError('cannot-plan', `cannot plan: ${refusals.join('; ')}`, {
      table: first,
    });
  return { planned, skipped };
}

/**
 * The pair with the identity the config names (`tables.<t>.key`), when it names one: the diff
 * and the plan address the table's rows by those columns. Whether they hold each value once
 * and never NULL is checked on both sides before the diff (configured-keys.ts).
 */
function withConfiguredKey(pair: TablePair, policy: TablePolicy): TablePair {
  if (!policy.key) return pair;
  const spelled = policy.key.map(
    (k) => pair.columns.find((c) => c.name.toLowerCase() === k.toLowerCase())?.name ?? k,
  );
  return { ...pair, identity: { kind: 'unique', index: 'key (config)', columns: spelled } };
}

/** Tables the config names that neither side has. */
function unknownTables(config: PlanConfig, c: SchemaComparison): string[] {
  const known = new Set([
    ...c.pairs.map((p) => p.name),
    ...c.onlyInBackup.map((t) => t.name),
    ...c.onlyInInterim.map((t) => t.name),
  ]);
  return Object.keys(config.tables)
    .filter((name) => !known.has(name))
    .map(
      (name) => `${tablePath(name)}: no table ${JSON.stringify(name)} in the backup or the interim`,
    );
}

/** A `references` entry must name a table on both sides and one of its columns. */
function checkReferences(
  table: string,
  policy: TablePolicy,
  c: SchemaComparison,
  problems: string[],
): void {
  for (const r of policy.references) {
    const parent = c.pairs.find((p) => p.name === r.table);
    if (!parent) {
      problems.push(
        `${tablePath(table, 'references')}.${r.column}: no table ${JSON.stringify(r.table)} on both sides`,
      );
    } else if (
      !parent.columns.some((col) => col.name.toLowerCase() === r.refColumn.toLowerCase())
    ) {
      problems.push(
        `${tablePath(table, 'references')}.${r.column}: no column ${JSON.stringify(r.refColumn)} in ${r.table}`,
      );
    }
  }
}

/** Why a table whose sides differ in shape is not planned. */
function driftRefusal(table: string, d: TableDrift): string {
  const what = [
    d.columnsOnlyInBackup.length
      ? `columns only in the backup: ${d.columnsOnlyInBackup.join(', ')}`
      : '',
    d.columnsOnlyInInterim.length
      ? `columns only in the interim: ${d.columnsOnlyInInterim.join(', ')}`
      : '',
    d.typeChanged.length
      ? `types differ: ${d.typeChanged.map((x) => `${x.column} ${x.backup} vs ${x.interim}`).join(', ')}`
      : '',
    d.identityChanged
      ? `keys differ: ${d.identityChanged.backup} vs ${d.identityChanged.interim}`
      : '',
  ].filter((s) => s);
  return `${table}: the backup and the interim differ in shape (${what.join('; ')}): align them, or set ${tablePath(table, 'skip')}: true`;
}

function checkColumnTypes(pair: TablePair, policy: TablePolicy, problems: string[]): void {
  for (const key of ['createdAt', 'updatedAt'] as const) {
    const name = policy[key];
    if (name === null) continue;
    const col = pair.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (col && !['temporal', 'integer', 'decimal'].includes(col.family)) {
      problems.push(
        `${tablePath(pair.name, key)}: ${name} is ${col.interim.columnType}; expected a date, time or number column`,
      );
    }
  }
}

/**
 * `plan --refresh`: only the tables with keys to plan again, and the tables that reference them
 * (directly or through others: their references must be followed if a row of these moves);
 * the rest are skipped, with why.
 */
export function onlyTables(sel: Selection, keys: ReadonlyMap<string, unknown>): Selection {
  const lower = (n: string): string => n.toLowerCase();
  const wanted = new Set([...keys.keys()].map(lower));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of sel.planned) {
      if (wanted.has(lower(p.pair.name))) continue;
      const parents = [
        ...p.target.foreignKeys.map((f) => f.refTable),
        ...p.policy.references.map((r) => r.table),
        ...p.policy.jsonReferences.map((r) => r.table),
      ];
      if (parents.some((t) => wanted.has(lower(t)))) {
        wanted.add(lower(p.pair.name));
        grew = true;
      }
    }
  }
  return {
    planned: sel.planned.filter((p) => wanted.has(lower(p.pair.name))),
    skipped: [
      ...sel.skipped,
      ...sel.planned
        .filter((p) => !wanted.has(lower(p.pair.name)))
        .map((p) => ({ table: p.pair.name, reason: 'plan --refresh: nothing deferred there' })),
    ],
  };
}
