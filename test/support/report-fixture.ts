import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableDrift } from '../../src/introspect/compare.js';
import { ActionFileWriter, actionFileName } from '../../src/plan/action-file.js';
import type { PolicyRecord } from '../../src/plan/format.js';
import {
  ACTIONS_DIR,
  type Action,
  type ActionCounts,
  type ClassCounts,
  MANIFEST_FILE,
  PLAN_FORMAT_VERSION,
  type PlanManifest,
  type PlanTable,
  type RemapSummary,
  SQL_FILE,
} from '../../src/plan/format.js';
import { computePlanId, serializeManifest, sha256 } from '../../src/plan/plan-files.js';
import type { RehearsalResult, VerificationResult } from '../../src/report/run-results.js';
import { policyRecordOf } from './policy.js';

export interface FixtureTable {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly string[];
  /** the classes the planner found (actions are counted from `actions`) */
  readonly counts: ClassCounts;
  readonly keep: number;
  readonly actions: readonly Action[];
  readonly policy?: Partial<PolicyRecord>;
  readonly drift?: TableDrift | null;
  readonly warnings?: readonly string[];
  readonly triggers?: PlanTable['triggers'];
  /** decisions without an action (plan format 1, additive field) */
  readonly notes?: readonly string[];
}

const h = (n: number): string => n.toString(16).padStart(16, '0');

/**
 * Writes a plan folder by hand, exactly as the format contract describes it (sha256 per action
 * file, planId over the manifest), for testing readers without the planner.
 */
export async function writeFixturePlan(
  dir: string,
  tables: readonly FixtureTable[],
  remaps: readonly RemapSummary[] = [],
  skipped: readonly { table: string; reason: string }[] = [],
): Promise<PlanManifest> {
  await mkdir(join(dir, ACTIONS_DIR), { recursive: true });
  const planTables: PlanTable[] = [];
  for (const [i, t] of tables.entries()) {
    const file = actionFileName(i, t.table);
    const out = new ActionFileWriter(join(dir, file));
    for (const a of t.actions) await out.write(a);
    const written = await out.close();
    const actions: ActionCounts = { insert: 0, update: 0, delete: 0, unresolved: 0, keep: t.keep };
    for (const a of t.actions) {
      if (a.op === 'copy') actions.insert += a.count;
      else actions[a.op]++;
    }
    planTables.push({
      table: t.table,
      file,
      fileSha256: written.sha256,
      lines: t.actions.length,
      key: t.key,
      columns: t.columns,
      counts: t.counts,
      actions,
      digestMethod: { kind: 'client', reason: 'a fixture' },
      digestBefore: { count: String(t.keep + actions.update + actions.delete), sum: h(i + 1) },
      digestAfter: { count: String(t.keep + actions.update + actions.insert), sum: h(i + 100) },
      autoIncrement: t.key.length === 1 ? { column: t.key[0] as string, next: '1000' } : null,
      triggers: t.triggers ?? [],
      policy: policyRecordOf(t.policy),
      drift: t.drift ?? null,
      notes: t.notes ?? [],
      warnings: t.warnings ?? [],
    });
  }
  const sum = <K extends keyof (ClassCounts & ActionCounts)>(k: K): number =>
    planTables.reduce((n, t) => n + { ...t.counts, ...t.actions }[k], 0);
  const src = (schema: string) => ({
    url: `mysql://dba@db.example:3306/${schema}`,
    schema,
    server: '10.11.19-MariaDB',
  });
  const base: Omit<PlanManifest, 'planId'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    configHash: sha256('config'),
    sources: { backup: src('shop_0223'), interim: src('shop'), target: src('shop') },
    inPlace: true,
    schemaFingerprints: { backup: sha256('b'), interim: sha256('i'), target: sha256('i') },
    incident: { start: '2020-02-23T19:00:00+08:00' },
    order: planTables.map((t) => t.table),
    tables: planTables,
    remaps,
    unresolved: sum('unresolved'),
    needsAllowTriggers: planTables.some((t) => t.triggers.length > 0),
    skipped,
    totals: {
      identical: sum('identical'),
      changed: sum('changed'),
      onlyBackup: sum('onlyBackup'),
      onlyInterim: sum('onlyInterim'),
      collision: sum('collision'),
      insert: sum('insert'),
      update: sum('update'),
      delete: sum('delete'),
      unresolved: sum('unresolved'),
      keep: sum('keep'),
    },
  };
  const manifest: PlanManifest = { ...base, planId: computePlanId(base) };
  await writeFile(join(dir, MANIFEST_FILE), serializeManifest(manifest));
  await writeFile(join(dir, SQL_FILE), '-- plan.sql\n');
  return manifest;
}

/** A table name that breaks every escaping mistake at once. */
export const NASTY = 'a`b <c> | *d* &amp;';

/** A small shop-like plan: inserts, updates with remapped ids, a unique-key conflict, a nasty name. */
export function shopFixture(): { tables: FixtureTable[]; remaps: RemapSummary[] } {
  const merchant = (id: string, email: string, name: string) => ({
    id,
    email,
    name,
    created_at: '2020-02-01 10:00:00.000',
  });
  const merchants: Action[] = [
    {
      op: 'update',
      rule: 'collision: remap=interim',
      key: { id: '43' },
      row: merchant('51', 'signup1@shops.example', 'Tea House'),
      before: merchant('43', 'signup1@shops.example', 'Tea House'),
      hash: h(1),
      beforeHash: h(2),
      columns: ['id'],
    },
    {
      op: 'insert',
      rule: 'onMissingInInterim=restore',
      key: { id: '43' },
      row: merchant('43', 'merchant43@shops.example', 'Bike Works'),
      copyOf: 'backup',
      hash: h(3),
    },
    {
      op: 'unresolved',
      rule: 'unique-key conflict',
      key: { id: '3' },
      reason: "unique key uk_merchants_email: 'merchant3@shops.example' held by both sides",
      backup: merchant('3', 'merchant3@shops.example', "O'Brien's <b>Books</b>"),
      interim: {
        ...merchant('44', 'merchant3@shops.example', 'Book Nook'),
        created_at: '2020-02-26 08:00:00.000',
      },
    },
  ];
  const orders: Action[] = Array.from({ length: 12 }, (_, i) => ({
    op: 'update' as const,
    rule: 'onChanged=newest',
    key: { id: String(100 + i) },
    row: { id: String(100 + i), status: 'shipped', total: '12.50', note: null },
    before: { id: String(100 + i), status: 'paid', total: '12.50', note: null },
    hash: h(10 + i),
    beforeHash: h(40 + i),
    columns: ['status'],
  }));
  orders.push({
    op: 'delete',
    rule: 'onChanged=prefer-backup',
    key: { id: '999' },
    before: { id: '999', status: 'new', total: '1.00', note: 'dup' },
    beforeHash: h(99),
  });
  const nasty: Action[] = [
    {
      op: 'unresolved',
      rule: 'onChanged=manual',
      key: { 'k|ey': '<script>alert(1)</script>' },
      reason: 'manual: a person decides <now>',
      backup: { 'k|ey': '<script>alert(1)</script>', v: '**bold** | pipe', b: { hex: '00ff27' } },
      interim: { 'k|ey': '<script>alert(1)</script>', v: 'x & y', b: null },
    },
  ];
  return {
    tables: [
      {
        table: 'merchants',
        key: ['id'],
        columns: ['created_at', 'email', 'id', 'name'],
        counts: { identical: 23, changed: 5, onlyBackup: 14, onlyInterim: 5, collision: 8 },
        keep: 36,
        actions: merchants,
        policy: { createdAt: 'created_at', remap: 'interim' },
        notes: [
          'uk_merchants_email = ("m9@x"): the backup\'s row ("9") is merged into the interim\'s row ("60") <b>',
        ],
        warnings: ['2 rows changed on both sides have created_at = 2020-02-23 <i>'],
      },
      {
        table: 'orders',
        key: ['id'],
        columns: ['id', 'note', 'status', 'total'],
        counts: { identical: 700, changed: 12, onlyBackup: 0, onlyInterim: 3, collision: 0 },
        keep: 703,
        actions: orders,
        drift: {
          columnsOnlyInBackup: [],
          columnsOnlyInInterim: ['note'],
          typeChanged: [],
          identityChanged: null,
        },
        triggers: [{ name: 'orders_bi', event: 'INSERT', timing: 'BEFORE' }],
      },
      {
        table: NASTY,
        key: ['k|ey'],
        columns: ['b', 'k|ey', 'v'],
        counts: { identical: 0, changed: 1, onlyBackup: 0, onlyInterim: 0, collision: 0 },
        keep: 0,
        actions: nasty,
      },
    ],
    remaps: [
      {
        table: 'merchants',
        column: 'id',
        side: 'interim',
        count: 8,
        first: '51',
        last: '58',
        followedBy: ['customers.merchant_id', 'orders.merchant_id', `${NASTY}.m`],
      },
    ],
  };
}

/** A rehearsal result for a plan: every table timed, verified ok (or not). */
export function rehearsalFor(m: PlanManifest, ok = true): RehearsalResult {
  const checks = m.tables.map((t) => ({
    table: t.table,
    ok,
    expected: t.digestAfter,
    actual: ok ? t.digestAfter : t.digestBefore,
    orphans: 0,
    uniqueViolations: 0,
  }));
  return {
    formatVersion: 1,
    planId: m.planId,
    mode: 'scratch',
    ranOn: 'mysql://dba@db.example:3306/shop_rehearsal',
    startedAt: '2020-03-03T18:00:00.000Z',
    seconds: 14.2,
    applySeconds: 9.5,
    projectedWindowSeconds: 11.4,
    tables: m.tables.map((t, i) => ({
      table: t.table,
      rows: t.lines,
      batches: 1,
      seconds: 1.5 * (i + 1),
    })),
    verification: { ok, tables: checks },
    rollback: null,
    ok,
  };
}

/** A verification result for a plan, with one mismatching table when `bad` names one. */
export function verificationFor(m: PlanManifest, bad: string | null = null): VerificationResult {
  return {
    formatVersion: 1,
    planId: m.planId,
    target: 'mysql://dba@db.example:3306/shop',
    checkedAt: '2020-03-03T19:00:00.000Z',
    seconds: 2.5,
    ok: bad === null,
    tables: m.tables.map((t) => ({
      table: t.table,
      ok: t.table !== bad,
      expected: t.digestAfter,
      actual: t.table === bad ? { count: '1', sum: 'ffffffffffffffff' } : t.digestAfter,
      orphans: 0,
      uniqueViolations: t.table === bad ? 1 : 0,
      detail: t.table === bad ? 'digest differs' : null,
      keys:
        t.table === bad
          ? {
              found: 2,
              lines: [
                'id=5: differs (the row at this key is not the one the plan writes)',
                "id=7: missing (a row <b>'x'</b> the plan inserts; the target has none)",
              ],
              note: null,
            }
          : null,
    })),
  };
}
