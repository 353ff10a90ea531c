import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { digestColumns } from '../hash/digest.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { TableInfo } from '../introspect/types.js';
import { mustGet } from '../must.js';
import type { PlanManifest, PlanTable } from '../plan/format.js';
import type { TableShape } from '../sql/statements.js';
import { JOURNAL_TABLE } from './journal.js';

/** A plan table matched with the live table it writes. */
export interface TableRun {
  readonly plan: PlanTable;
  /** the live table (what digests read) */
  readonly info: TableInfo;
  readonly shape: TableShape;
}

/**
 * Matches the plan's tables with the tables in `schema` (the target, or a scratch copy of it)
 * and refuses, before anything is written, when one is missing or its stored columns are not
 * the ones the plan's rows and digests cover. Returned in the manifest's `order`.
 */
export async function resolveTables(
  s: Session,
  manifest: PlanManifest,
  schema: string,
): Promise<TableRun[]> {
  const journal = manifest.tables.find((t) => t.table === JOURNAL_TABLE);
  if (journal && writeCount(journal) > 0) {
    throw new PreconditionError(
      'edited-plan',
      `the plan writes to ${JOURNAL_TABLE}, reconcile's own journal table: make the plan again without it`,
      { table: `${schema}.${JOURNAL_TABLE}` },
    );
  }
  // The journal of an earlier apply is no data of the merge, and changes as apply runs.
  const tables = manifest.tables.filter((t) => t.table !== JOURNAL_TABLE);
  const live = await introspectSchema(
    s,
    schema,
    tables.map((t) => t.table),
  );
  const byName = new Map(tables.map((t) => [t.table, t]));
  const ordered = [
    ...manifest.order.filter((n) => byName.has(n)),
    ...tables.map((t) => t.table).filter((n) => !manifest.order.includes(n)),
  ];
  return ordered.map((name) => {
    const plan = mustGet(byName, name, 'plan table');
    const info = live.tables.get(name);
    if (!info) {
      throw new PreconditionError(
        'schema-changed',
        `table ${JSON.stringify(name)} of the plan is missing from ${schema}: the target changed since the plan`,
        { table: `${schema}.${name}` },
      );
    }
    const columns = digestColumns(info);
    const names = columns.map((c) => c.name);
    if (names.join('\u0000') !== plan.columns.join('\u0000')) {
      throw new PreconditionError(
        'schema-changed',
        `${schema}.${name} has columns (${names.join(', ')}), the plan was made for (${plan.columns.join(', ')}): the target's schema changed since the plan`,
        { table: `${schema}.${name}` },
      );
    }
    // A key column may be a generated one (a config key, or MySQL's NOT NULL generated
    // column): rows are found by it, never written through it.
    const byCol = new Map(info.columns.map((c) => [c.name, c]));
    const key = plan.key.map((k) => {
      const c = byCol.get(k);
      if (!c) {
        throw new PreconditionError(
          'schema-changed',
          `${schema}.${name}: the plan's key column ${JSON.stringify(k)} is not a column of the table`,
          { table: `${schema}.${name}` },
        );
      }
      return c;
    });
    const shape: TableShape = {
      schema,
      name,
      columns,
      key,
      flavor: s.server.flavor,
    };
    return { plan, info, shape };
  });
}

/** Actions that write (everything but unresolved ones). */
export function writeCount(t: PlanTable): number {
  return t.actions.insert + t.actions.update + t.actions.delete;
}

/**
 * Refuses a plan with actions a person must still decide; the error's table is the first of
 * them in `schema` (the target).
 */
export function checkUnresolved(manifest: PlanManifest, schema: string): void {
  const tables = manifest.tables.filter((t) => t.actions.unresolved > 0);
  const n = Math.max(
    manifest.unresolved,
    tables.reduce((a, t) => a + t.actions.unresolved, 0),
  );
  if (n === 0) return;
  const where = tables.map((t) => `${t.table} ${t.actions.unresolved}`).join(', ');
  throw new PreconditionError(
    'unresolved',
    `the plan has ${n} unresolved action${n === 1 ? '' : 's'}${where ? ` (${where})` : ''}: decide them in the config and make the plan again`,
    { table: tables[0] ? `${schema}.${tables[0].table}` : undefined },
  );
}

/**
 * Refuses when triggers would fire on the plan's writes (they could rewrite the written values,
 * and the digests would no longer be the plan's), unless the user accepts them. Looks at the
 * live tables as well as what the plan recorded: a trigger added since the plan counts too.
 */
export function checkTriggers(
  manifest: PlanManifest,
  runs: readonly TableRun[],
  allow: boolean,
): string[] {
  const found: string[] = [];
  let first: string | undefined;
  for (const r of runs) {
    if (writeCount(r.plan) === 0) continue;
    const names = new Set<string>();
    for (const t of r.info.triggers) names.add(`${t.name} ${t.timing} ${t.event}`);
    for (const t of r.plan.triggers) names.add(`${t.name} ${t.timing} ${t.event}`);
    if (names.size === 0) continue;
    found.push(`${r.plan.table} (${[...names].join(', ')})`);
    first ??= `${r.shape.schema}.${r.shape.name}`;
  }
  if (found.length === 0 && manifest.needsAllowTriggers) {
    found.push('recorded in the plan (needsAllowTriggers)');
  }
  if (found.length > 0 && !allow) {
    throw new PreconditionError(
      'triggers',
      `triggers would fire on the plan's writes: ${found.join('; ')}; rerun with --allow-triggers to accept what they do`,
      { table: first },
    );
  }
  return found;
}
