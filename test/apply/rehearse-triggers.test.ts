import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RehearseReport } from '../../src/rehearse/rehearse-plan.js';
import { runCli } from '../support/cli.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop, shopPlan } from '../support/shop-fixture.js';

/**
 * A rehearsal with --allow-triggers must show what the triggers do: a trigger that rewrites the
 * rows the plan writes makes the real run's verification fail, so the rehearsal must fail too.
 * And it must never reach the real target: a trigger that names the target schema is not copied.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const quiet = ['--log-level', 'warn'];

describe('rehearse on a scratch copy, with triggers accepted', () => {
  it("runs the target's triggers there: one that rewrites restored rows fails the rehearsal", async () => {
    const shop = await makeShop(schemas, 'rht');
    await sql(
      shop.interim,
      `CREATE TRIGGER customer_bi BEFORE INSERT ON customer FOR EACH ROW
         SET NEW.name = CONCAT(NEW.name, ' (trigger)');`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-rht-'));
    dirs.push(dir);
    const plan = await shopPlan(shop, dir);
    const r = await runCli(['rehearse', '--plan', dir, '--allow-triggers', '--json', ...quiet]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as RehearseReport;
    expect(doc.ok).toBe(false);
    expect(doc.verify.tables.find((t) => t.table === 'customer')?.status).not.toBe('ok');
    expect(doc.notes.join(' ')).not.toMatch(/not copied/);
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'before'));
  });

  it('does not copy a trigger that names the target schema, and says so', async () => {
    const shop = await makeShop(schemas, 'rhq');
    const s = shop.interim.schema;
    await sql(
      shop.interim,
      `CREATE TABLE trigger_log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20));
       CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW
         INSERT INTO \`${s}\`.trigger_log (what) VALUES ('order');`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-rhq-'));
    dirs.push(dir);
    await shopPlan(shop, dir);
    const before = await schemaDigests(shop.interim);
    const r = await runCli(['rehearse', '--plan', dir, '--allow-triggers', '--json', ...quiet]);
    const doc = JSON.parse(r.stdout) as RehearseReport;
    expect(doc.notes.join(' ')).toMatch(/orders_ai .*names the target schema.*not copied/);
    // The real target, trigger_log included, is exactly as it was.
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });
});
