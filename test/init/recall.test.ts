import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIncidentStart } from '../../src/config/incident-time.js';
import type { DbTarget } from '../../src/db/url.js';
import type { InitDocument, TableProposals } from '../../src/init/proposal-types.js';
import { runInit } from '../../src/init/run-init.js';
import { silentLogger } from '../../src/log.js';
import { declaredReferences, metrics, strippedPair } from '../support/init-fixture.js';
import { TestSchemas } from '../support/schemas.js';

/**
 * `reconcile init` on schemas whose foreign keys were dropped must find every one of them again
 * (recall 100%) with at most 1 false proposal in 10 enabled. The figures are printed as one
 * JSON line per fixture (`{"event":"init.metrics",...}`) for the record.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const INCIDENT = '2020-02-23T19:00:00+08:00';

async function init(backup: DbTarget, interim: DbTarget): Promise<InitDocument> {
  return runInit({
    backup,
    interim,
    incident: parseIncidentStart(INCIDENT),
    tables: null,
    settings: {
      minInclusion: 0.99,
      sampleRows: 100_000,
      sampleValues: 10_000,
      sampleDocuments: 200,
      secondsPerTable: 30,
    },
    concurrency: 2,
    logger: silentLogger(),
  });
}

function table(doc: InitDocument, name: string): TableProposals {
  const t = doc.tables.find((x) => x.table === name);
  if (!t) throw new Error(`no proposals for ${name}`);
  return t;
}

function report(m: ReturnType<typeof metrics>): void {
  process.stdout.write(`${JSON.stringify({ event: 'init.metrics', ...m })}\n`);
}

describe('init on a store schema stripped of its foreign keys', () => {
  let doc: InitDocument;
  let truth: string[];
  beforeAll(async () => {
    const pair = await strippedPair(schemas, 'store', 'interim-changes.sql');
    expect(await declaredReferences(pair.backup)).toEqual([]);
    truth = pair.truth;
    doc = await init(pair.backup, pair.interim);
  });

  it('proposes every dropped key, with at most 1 false proposal in 10', () => {
    expect(truth.length).toBe(25);
    const m = metrics('store', doc, truth);
    report(m);
    expect(m.missed).toEqual([]);
    expect(m.recall).toBe(1);
    expect(m.falsePositives.length * 10).toBeLessThanOrEqual(m.enabled);
    // The one column named and valued like a reference that the schema never declared.
    expect(m.falsePositives).toEqual(['inventory(last_rental_id) → rental(rental_id)']);

    // What only looks like a reference stays commented out, with its evidence.
    const legacy = table(doc, 'payment').references.find(
      (r) => r.columns[0] === 'legacy_rental_id',
    );
    expect(legacy).toMatchObject({
      enabled: false,
      why: 'not enabled: below --min-inclusion 99.0%',
    });
    expect(legacy?.inclusion).toMatchObject({ kind: 'measured', value: { found: 0, tested: 666 } });
    const proposedColumns = doc.tables.flatMap((t) =>
      t.references.map((r) => `${t.table}.${r.columns.join(',')}`),
    );
    for (const tempting of [
      'addresses.district_id',
      'inventory.shelf_id',
      'customer.loyalty_tier_id',
      'customer.external_customer_id',
      'payment.transaction_id',
    ]) {
      expect(proposedColumns).not.toContain(tempting);
    }
  });

  it('proposes creation times, counts collisions and unique-key conflicts, notes a keyless table', () => {
    const customer = table(doc, 'customer');
    expect(customer.createdAt.map((c) => [c.column, c.enabled])).toEqual([['create_date', true]]);
    expect(customer.updatedAt.map((c) => [c.column, c.enabled])).toEqual([['last_update', true]]);
    expect(customer.collisions).toEqual({
      kind: 'measured',
      value: { createdAt: 'create_date', tested: 3, collisions: 2, capped: false },
    });
    expect(customer.uniqueKeys).toEqual([
      {
        name: 'uq_customer_email',
        columns: ['email'],
        conflicts: { kind: 'measured', value: { tested: 3, conflicts: 1 } },
      },
    ]);
    expect(table(doc, 'rental').collisions).toMatchObject({
      kind: 'measured',
      value: { createdAt: 'created_at', tested: 2, collisions: 1 },
    });
    expect(table(doc, 'audit_log')).toMatchObject({ keyless: true, references: [] });
    expect(doc.totals).toMatchObject({ createdAtEnabled: 3, tablesWithCollisions: 2 });
  });
});

describe('init on an employees schema stripped of its foreign keys', () => {
  it('proposes every dropped key through composite keys and key names that omit the table', async () => {
    const { backup, interim, truth } = await strippedPair(schemas, 'employees', null);
    expect(truth.length).toBe(9);
    const doc = await init(backup, interim);
    const m = metrics('employees', doc, truth);
    report(m);
    expect(m.missed).toEqual([]);
    expect(m.recall).toBe(1);
    expect(m.falsePositives).toEqual([]);
    // Composite keys repeated by name are weighed and shown, never enabled.
    const reviews = table(doc, 'salary_reviews').references;
    expect(reviews.find((r) => r.rule === 'composite')).toMatchObject({
      columns: ['emp_no', 'from_date'],
      parent: 'salaries',
      enabled: false,
      inclusion: { kind: 'measured', value: { found: 400, tested: 400 } },
    });
    const manager = table(doc, 'dept_manager').references.find((r) => r.rule === 'composite');
    expect(manager?.why).toBe(
      'not enabled: each of its columns already references a parent of its own',
    );
  });
});
