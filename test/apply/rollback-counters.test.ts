import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAutoIncrements } from '../../src/apply/auto-increment.js';
import type { RollbackReport } from '../../src/apply/rollback-plan.js';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { buildPlan, planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reconcile-ai-'));
  dirs.push(d);
  return d;
}

async function counters(t: DbTarget, tables: string[]): Promise<Record<string, string | null>> {
  const c = await connect(t);
  try {
    const rows = await readAutoIncrements(c, t.schema, tables);
    return Object.fromEntries(rows.map((r) => [r.table, r.value]));
  } finally {
    await c.close();
  }
}

const quiet = ['--log-level', 'warn'];

describe('rollback returns every AUTO_INCREMENT counter to its value before the apply', () => {
  it('counters the inserts raised, and counters apply raised itself', async () => {
    // The interim handed out ids 1..200 (counter 201); the backup has 1..300. Restoring
    // 201..300 raises the counter by the inserts alone; customer is raised by the plan's next.
    const shop = await makeShop(schemas, 'ai', 40);
    const ddl = 'CREATE TABLE ticket (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL);';
    const rows = (n: number): string =>
      Array.from({ length: n }, (_, i) => `(${i + 1}, ${i})`).join(',');
    await sql(shop.backup, `${ddl} INSERT INTO ticket VALUES ${rows(300)};`);
    await sql(shop.interim, `${ddl} INSERT INTO ticket VALUES ${rows(200)};`);
    const dir = await tmp();
    const plan = await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'ticket',
          actions: Array.from({ length: 100 }, (_, i) => ({
            op: 'insert' as const,
            row: { id: String(201 + i), v: String(200 + i) },
            copyOf: 'backup' as const,
          })),
        },
        {
          table: 'customer',
          actions: [{ op: 'delete', key: { id: '5002' } }],
          autoIncrement: { column: 'id', next: '6000' },
        },
      ],
    });
    const tables = ['ticket', 'customer'];
    const before = await counters(shop.interim, tables);
    expect(before).toEqual({ ticket: '201', customer: '5003' });

    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect(await counters(shop.interim, tables)).toEqual({ ticket: '301', customer: '6000' });

    const rb = await runCli(['rollback', '--plan', dir, '--execute', '--json', ...quiet]);
    expect(rb.code, rb.stderr).toBe(0);
    const report = JSON.parse(rb.stdout) as RollbackReport;
    expect(report.beforeOk).toBe(true);
    expect(report.counters).toEqual([
      { table: 'ticket', before: '201', now: '201', ok: true },
      { table: 'customer', before: '5003', now: '5003', ok: true },
    ]);
    expect(await counters(shop.interim, tables)).toEqual(before);
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'before'));
  });

  it('after a kill -9 past the counters, and a rerun of the rollback', async () => {
    const shop = await makeShop(schemas, 'ak', 40);
    const dir = await tmp();
    const plan = await shopPlan(shop, dir);
    const tables = ['customer', 'orders'];
    const before = await counters(shop.interim, tables);
    // Killed after the last batch and the counter raise, before the journal says complete.
    await killAt(['apply', '--plan', dir, '--execute', '--batch-rows', '5'], 'end');
    expect(await counters(shop.interim, tables)).toEqual({ customer: '6000', orders: '9100' });
    const rb = await runCli(['rollback', '--plan', dir, '--execute', '--json', ...quiet]);
    expect(rb.code, rb.stderr).toBe(0);
    expect((JSON.parse(rb.stdout) as RollbackReport).counters.every((c) => c.ok)).toBe(true);
    expect(await counters(shop.interim, tables)).toEqual(before);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });
});
