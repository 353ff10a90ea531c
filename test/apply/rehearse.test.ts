import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_TABLE } from '../../src/apply/journal.js';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import type { RehearseReport } from '../../src/rehearse/rehearse-plan.js';
import { scratchName } from '../../src/rehearse/scratch.js';
import { runCli } from '../support/cli.js';
import { buildPlan, planDigests, schemaDigests, tableRows } from '../support/plan-builder.js';
import { sql, TestSchemas, target } from '../support/schemas.js';
import { makeShop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reconcile-rehearse-'));
  dirs.push(d);
  return d;
}
const quiet = ['--log-level', 'warn'];

async function tablesOf(t: DbTarget): Promise<string[]> {
  const c = await connect(t, { noSchema: true });
  try {
    const rows = await c.query<{ n: string }>(
      'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [t.schema],
    );
    return rows.map((r) => r.n);
  } finally {
    await c.close();
  }
}

describe('rehearse', () => {
  it('on a scratch copy: applies, verifies, times each table, and leaves the target untouched', async () => {
    const shop = await makeShop(schemas, 'rh');
    // A child of a plan table is copied too (verify checks it for orphans); an unrelated table is not.
    await sql(
      shop.interim,
      `CREATE TABLE shipment (id INT PRIMARY KEY, order_id BIGINT NOT NULL,
         CONSTRAINT fk_shipment_order FOREIGN KEY (order_id) REFERENCES orders (id));
       INSERT INTO shipment VALUES (1, 9001), (2, 9003);
       CREATE TABLE unrelated (id INT PRIMARY KEY);`,
    );
    const dir = await tmp();
    const plan = await shopPlan(shop, dir);
    const tablesBefore = await tablesOf(shop.interim);
    const r = await runCli(['rehearse', '--plan', dir, '--json', '--batch-rows', '5', ...quiet]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as RehearseReport;
    const scratch = scratchName(shop.interim.schema, plan.planId);
    // The plan deletes order 9003, which shipment 2 still points at: verify says so.
    expect(doc).toMatchObject({
      ok: false,
      mode: 'scratch',
      scratch: { schema: scratch, kept: false },
    });
    expect(doc.clone?.tables).toBe(4);
    expect(doc.apply.batches).toBe(12);
    expect(doc.verify.tables.filter((t) => t.status !== 'ok')).toMatchObject([
      {
        table: 'shipment',
        orphans: [{ reference: 'fk_shipment_order', count: 1, sample: [['9003']] }],
      },
    ]);
    expect(doc.apply.tables.map((t) => t.table)).toEqual(['customer', 'orders', 'audit']);
    for (const t of doc.apply.tables) expect(t.seconds).toBeGreaterThan(0);
    expect(doc.window.total).toBeCloseTo(
      doc.window.check + doc.window.apply + doc.window.verify,
      6,
    );
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'before'));
    expect(await tablesOf(shop.interim)).toEqual(tablesBefore);
    expect(await tablesOf(target(scratch))).toEqual([]);

    const text = await runCli(['rehearse', '--plan', dir, '--keep', ...quiet]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('REHEARSAL FAILED');
    expect(text.stdout).toMatch(
      /projected window: [\d.]+s = stale check [\d.]+s \+ apply [\d.]+s \+ verify [\d.]+s/,
    );
    expect(text.stdout).toContain(`scratch schema kept: ${scratch}`);
    schemas.names.push(scratch);
    expect(await schemaDigests(target(scratch))).toMatchObject(planDigests(plan, 'after'));
    expect((await tablesOf(target(scratch))).sort()).toEqual(
      [JOURNAL_TABLE, 'audit', 'customer', 'orders', 'shipment'].sort(),
    );
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'before'));
  });

  it('in place: applies to the target, verifies, rolls back to the exact before digests', async () => {
    const shop = await makeShop(schemas, 'rhip');
    const dir = await tmp();
    const plan = await shopPlan(shop, dir);
    const tablesBefore = await tablesOf(shop.interim);
    const r = await runCli(['rehearse', '--plan', dir, '--in-place', '--json', ...quiet]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RehearseReport;
    expect(doc).toMatchObject({ ok: true, mode: 'in-place', scratch: null });
    expect(doc.verify.journal).toBe('complete');
    expect(doc.rollback).toMatchObject({ outcome: 'rolled-back', beforeOk: true, batches: 5 });
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
    expect(await tablesOf(shop.interim)).toEqual(tablesBefore);
    expect(tablesBefore).not.toContain(JOURNAL_TABLE);
  });

  it('in place: an apply that fails midway is rolled back before the error is reported', async () => {
    const shop = await makeShop(schemas, 'rhfail', 20);
    const dir = await tmp();
    const rows = await tableRows(shop.backup, 'customer', 'id');
    // The last restored customer reuses an email the target holds: a unique-key conflict.
    const restore = rows.slice(10).map((r, i) => (i === 9 ? { ...r, email: 'c1@shop.test' } : r));
    const plan = await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [{ table: 'customer', actions: restore.map((row) => ({ op: 'insert', row })) }],
    });
    const r = await runCli([
      'rehearse',
      '--plan',
      dir,
      '--in-place',
      '--batch-rows',
      '3',
      ...quiet,
    ]);
    expect(r.stderr).toMatch(
      /^reconcile: a duplicate key: Duplicate entry 'c1@shop.test' for key 'uk_email' on \S+\.customer batch 5 .*nothing of batch 5 was written; make the plan again\n$/,
    );
    expect(r.code).toBe(3);
    expect((await schemaDigests(shop.interim)).customer).toEqual(
      planDigests(plan, 'before').customer,
    );
    expect(await tablesOf(shop.interim)).not.toContain(JOURNAL_TABLE);
  });
});
