import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/apply/journal.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

/**
 * kill -9 of `reconcile apply` at chosen instants. With --batch-rows 5 the shop plan runs 12
 * batches, journal seq 2..13 (seq 1 is the start marker): 2 and 3 are the deletes (audit,
 * orders), 4..7 customer, 8..12 orders, 13 audit's inserts.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-kill-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

// One writer (--parallel 1), so the points below are the order above; --parallel 3 below.
const apply = (dir: string): string[] => [
  'apply',
  '--plan',
  dir,
  '--execute',
  '--parallel',
  '1',
  '--batch-rows',
  '5',
  '--log-level',
  'warn',
];

async function batchesJournaled(shop: Shop, plan: PlanManifest): Promise<number> {
  const c = await connect(shop.interim);
  try {
    return (await readJournal(c, shop.interim.schema, plan.planId)).batches.length;
  } finally {
    await c.close();
  }
}

const POINTS: { point: string; journaled: number }[] = [
  { point: 'start', journaled: 0 },
  { point: 'commit:8', journaled: 6 },
  { point: 'batch:8', journaled: 7 },
  { point: 'end', journaled: 12 },
];

describe('apply killed with SIGKILL', () => {
  for (const { point, journaled } of POINTS) {
    it(`at ${point}: the journal holds exactly the committed batches; a rerun resumes and verify passes`, async () => {
      const { shop, dir, plan } = await fresh(`k${journaled}`);
      await killAt(apply(dir), point);
      expect(await batchesJournaled(shop, plan)).toBe(journaled);

      const rerun = await runCli([...apply(dir), '--json']);
      expect(rerun.stderr).toBe('');
      expect(rerun.code).toBe(0);
      const report = JSON.parse(rerun.stdout) as { outcome: string; batches: number };
      expect(report.outcome).toBe('resumed');
      expect(report.batches).toBe(12 - journaled);

      const v = await runCli(['verify', '--plan', dir]);
      expect(v.stdout).toContain('ok: all 3 tables');
      expect(v.code).toBe(0);
      expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
    });

    it(`at ${point}: rollback returns the target to the exact before digests`, async () => {
      const { shop, dir, plan } = await fresh(`r${journaled}`);
      await killAt(apply(dir), point);
      const rb = await runCli(['rollback', '--plan', dir, '--execute', '--log-level', 'warn']);
      expect(rb.stderr).toBe('');
      expect(rb.code).toBe(0);
      expect(rb.stdout).toContain('every table has its before digest again');
      expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
    });
  }

  // --parallel 3: the three tables' inserts and updates run at once, each on its own
  // connection, so which batches a kill leaves committed varies; each table's are in order.
  for (const point of ['batch:6', 'commit:9']) {
    it(`--parallel 3, killed at ${point}: a rerun resumes to the after digests; a rollback instead returns to the before digests`, async () => {
      const parallel = (dir: string): string[] => [...apply(dir), '--parallel', '3'];
      const a = await fresh(`pk${point.replace(':', '')}`);
      await killAt(parallel(a.dir), point);
      const done = await batchesJournaled(a.shop, a.plan);
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(12);
      const rerun = await runCli([...parallel(a.dir), '--json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      const report = JSON.parse(rerun.stdout) as { outcome: string; batches: number };
      expect(report).toMatchObject({ outcome: 'resumed', batches: 12 - done });
      expect((await runCli(['verify', '--plan', a.dir])).code).toBe(0);
      expect(await schemaDigests(a.shop.interim)).toEqual(planDigests(a.plan, 'after'));

      const b = await fresh(`pr${point.replace(':', '')}`);
      await killAt(parallel(b.dir), point);
      const rb = await runCli(['rollback', '--plan', b.dir, '--execute', '--log-level', 'warn']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(await schemaDigests(b.shop.interim)).toEqual(planDigests(b.plan, 'before'));
    });
  }

  it('--parallel 3 writes what a sequential apply writes', async () => {
    const { shop, dir, plan } = await fresh('pall');
    const r = await runCli([...apply(dir), '--parallel', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'applied', batches: 12 });
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
  });

  it('a rollback killed midway can be run again, or the apply resumed instead', async () => {
    const { shop, dir, plan } = await fresh('rr');
    expect((await runCli(apply(dir))).code).toBe(0);
    const rollback = ['rollback', '--plan', dir, '--execute', '--log-level', 'warn'];
    await killAt(rollback, 'undo:8');
    expect(await batchesJournaled(shop, plan)).toBe(6);
    // Resuming the apply from a half-undone journal completes it...
    expect((await runCli(apply(dir))).code).toBe(0);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
    // ...and a rollback killed again, then rerun, ends at the before digests.
    await killAt(rollback, 'undo:5');
    expect((await runCli(rollback)).code).toBe(0);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });
});
