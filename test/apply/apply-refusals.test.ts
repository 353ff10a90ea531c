import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_TABLE } from '../../src/apply/journal.js';
import { lockName } from '../../src/apply/lock.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { buildPlan, planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label, 40);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

const execute = (dir: string, ...more: string[]): Promise<CliResult> =>
  runCli(['apply', '--plan', dir, '--execute', '--log-level', 'warn', ...more]);

/** One line on stderr, the documented exit code, and the target exactly as it was. */
async function expectRefused(
  r: CliResult,
  code: number,
  message: RegExp,
  shop: Shop,
  before: Record<string, unknown>,
): Promise<void> {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^reconcile: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  expect(await schemaDigests(shop.interim)).toEqual(before);
  const c = await connect(shop.interim);
  try {
    const j = await c.query(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [shop.interim.schema, JOURNAL_TABLE],
    );
    expect(j).toEqual([]);
  } finally {
    await c.close();
  }
}

describe('apply refuses, with exit 3 and nothing written', () => {
  it('a stale plan: the target changed since the plan was made (a dry run says so)', async () => {
    const { shop, dir } = await fresh('stale');
    await sql(shop.interim, "UPDATE customer SET name = 'changed meanwhile' WHERE id = 3");
    const before = await schemaDigests(shop.interim);
    const msg = /customer has the expected 22 rows but other contents .*make the plan again/;
    await expectRefused(await execute(dir), 3, msg, shop, before);
    await expectRefused(await runCli(['rehearse', '--plan', dir]), 3, msg, shop, before);
    // Without --execute nothing is written: the dry run lists what --execute would refuse.
    const dry = await runCli(['apply', '--plan', dir, '--json', '--log-level', 'warn']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { wouldRefuse: { reason: string; message: string }[] };
    expect(report.wouldRefuse.map((w) => w.reason)).toEqual(['stale-plan']);
    expect(report.wouldRefuse[0]?.message).toMatch(msg);
    const text = await runCli(['apply', '--plan', dir, '--log-level', 'warn']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/WOULD REFUSE \(stale-plan\): .*customer has the expected 22 rows/);
    expect(text.stdout).toContain('--execute would be refused');
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });

  it('an edited, truncated or extended plan', async () => {
    const { shop, dir, plan } = await fresh('edited');
    const before = await schemaDigests(shop.interim);
    const file = join(dir, plan.tables[1]?.file as string);
    const original = await readFile(file, 'utf8');

    await writeFile(file, original.replace('"99.99"', '"9.99"'));
    await expectRefused(
      await execute(dir),
      3,
      /orders\.jsonl was edited or truncated/,
      shop,
      before,
    );
    await truncate(file, original.length - 100);
    await expectRefused(await execute(dir), 3, /was edited or truncated/, shop, before);
    await writeFile(file, original);
    await appendFile(file, original.split('\n')[0] as string);
    await expectRefused(await execute(dir), 3, /was edited or truncated/, shop, before);
    await writeFile(file, original);

    const manifest = await readFile(join(dir, 'plan.json'), 'utf8');
    await writeFile(join(dir, 'plan.json'), manifest.replace('"next": "6000"', '"next": "7000"'));
    await expectRefused(await execute(dir), 3, /plan\.json was edited/, shop, before);
    await writeFile(join(dir, 'plan.json'), manifest);
    expect((await execute(dir)).code).toBe(0);
  });

  it('another run holds the lock: says which connection', async () => {
    const { shop, dir } = await fresh('lock');
    const before = await schemaDigests(shop.interim);
    const holder = await connect(shop.interim);
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName(shop.interim.schema)]);
      const msg = new RegExp(`holds the lock on .*held by connection ${holder.threadId}, root@`);
      // --lock-wait 0: refused at once (test/apply/lock-wait.test.ts waits for it).
      await expectRefused(await execute(dir, '--lock-wait', '0'), 3, msg, shop, before);
      await expectRefused(
        await runCli(['rollback', '--plan', dir, '--execute', '--lock-wait', '0']),
        3,
        msg,
        shop,
        before,
      );
    } finally {
      await holder.close();
    }
    expect((await execute(dir)).code).toBe(0);
  });

  it('triggers on a written table, unless --allow-triggers', async () => {
    const { shop, dir, plan } = await fresh('trig');
    await sql(
      shop.interim,
      `CREATE TABLE trigger_log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20));
       CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO trigger_log (what) VALUES ('order');`,
    );
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      3,
      /triggers would fire on the plan's writes: orders \(orders_ai AFTER INSERT\); rerun with --allow-triggers/,
      shop,
      before,
    );
    const ok = await execute(dir, '--allow-triggers');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'triggers accepted (--allow-triggers): orders (orders_ai AFTER INSERT)',
    );
    const after = await schemaDigests(shop.interim);
    expect(after.trigger_log?.count).toBe(String(plan.tables[1]?.actions.insert));
  });

  it('unresolved actions', async () => {
    const shop = await makeShop(schemas, 'unres', 20);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(dir);
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [{ op: 'unresolved', key: { id: '3' }, reason: 'onChanged=manual' }],
        },
      ],
    });
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      3,
      /the plan has 1 unresolved action \(customer 1\)/,
      shop,
      before,
    );
    // The dry run says what it would do and that --execute would refuse, exit 0.
    const dry = await runCli(['apply', '--plan', dir, '--json', '--log-level', 'warn']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { outcome: string; wouldRefuse: { reason: string }[] };
    expect(report.outcome).toBe('would-apply');
    expect(report.wouldRefuse.map((w) => w.reason)).toEqual(['unresolved']);
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });

  it('a partly applied plan whose target changed since is refused, not resumed', async () => {
    const { shop, dir, plan } = await fresh('partial');
    // Another plan, made from the same state before this one was (partly) applied.
    const other = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(other);
    await buildPlan({
      dir: other,
      backup: shop.backup,
      interim: shop.interim,
      tables: [{ table: 'customer', actions: [{ op: 'delete', key: { id: '2' } }] }],
    });
    await killAt(['apply', '--plan', dir, '--execute', '--batch-rows', '5'], 'batch:4');
    const o = await execute(other);
    expect(o.stderr).toMatch(
      new RegExp(
        `changed since the plan was made: .*journal shows plan ${plan.planId.slice(0, 12)} partly applied here`,
      ),
    );
    expect(o.code).toBe(3);
    await sql(shop.interim, "UPDATE customer SET name = 'meanwhile' WHERE id = 1");
    const before = await schemaDigests(shop.interim);
    const r = await execute(dir);
    expect(r.stderr).toMatch(
      /^reconcile: .* is not in the state this plan's journal records \(3 batches applied\): customer has/,
    );
    expect(r.code).toBe(3);
    expect(await schemaDigests(shop.interim)).toEqual(before);
    const rb = await runCli(['rollback', '--plan', dir, '--execute']);
    expect(rb.code).toBe(3);
    expect(await schemaDigests(shop.interim)).toEqual(before);
    expect(before).not.toEqual(planDigests(plan, 'before'));
  });

  it('a --target that names another schema is a usage error (exit 2)', async () => {
    const { shop, dir } = await fresh('url');
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir, '--target', urlOf('somewhere_else')),
      2,
      /--target .*somewhere_else is not the plan's target .*host, port and schema must match/,
      shop,
      before,
    );
    expect((await execute(dir, '--target', urlOf(shop.interim.schema))).code).toBe(0);
  });
});
