import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import type { ConflictLine } from '../../src/apply/live-run.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { killAt, runToPause } from '../support/kill.js';
import { LIVE_CONFIG, type LiveShop, makeLiveShop, planLiveShop } from '../support/live-fixture.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';

/**
 * apply --live on a target the application keeps writing: the rows it changed since the plan
 * are deferred (with the rows that reference them), everything else is applied, and nothing the
 * application wrote is overwritten. Fresh ids are reserved before the first batch in every mode.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

async function one<T>(t: DbTarget, q: string): Promise<T[]> {
  const c = await connect(t);
  try {
    return await c.query<T & Record<string, unknown>>(q);
  } finally {
    await c.close();
  }
}

/** Rows referencing nothing: orders without their customer, customers without their merchant. */
async function orphans(t: DbTarget): Promise<number> {
  const [r] = await one<{ n: string | number }>(
    t,
    `SELECT (SELECT COUNT(*) FROM orders o LEFT JOIN customer c ON c.id = o.customer_id WHERE c.id IS NULL)
          + (SELECT COUNT(*) FROM customer c LEFT JOIN merchant m ON m.id = c.merchant_id WHERE m.id IS NULL) AS n`,
  );
  return Number(r?.n);
}

async function conflicts(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'conflicts.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ConflictLine)
    .map((c) => `${c.table} ${c.op} ${Object.values(c.key).join(',')} ${c.reason}`)
    .sort();
}

const applyArgs = (dir: string, ...more: string[]): string[] => [
  'apply',
  '--plan',
  dir,
  '--execute',
  '--log-level',
  'warn',
  ...more,
];

describe('apply --live', () => {
  it('defers exactly the rows the application changed (and those referencing them), applies the rest, overwrites nothing', async () => {
    const shop: LiveShop = await makeLiveShop(schemas, 'lv1');
    const { dir } = await planLiveShop(shop);
    // The application keeps writing between the plan and the apply.
    await sql(
      shop.interim,
      `UPDATE merchant SET name = 'app edit' WHERE id = 5;
       UPDATE customer SET name = 'app edit' WHERE id = 53;
       INSERT INTO customer (merchant_id, name, created_at) VALUES (2, 'late signup', '2020-03-01 09:00:00');
       UPDATE customer SET name = 'app edit 2' WHERE id = 1;
       INSERT INTO orders (customer_id, amount, created_at) VALUES (1, 9.99, '2020-03-01 09:00:00');`,
    );
    const [late] = await one<{ id: number }>(
      shop.interim,
      "SELECT id FROM customer WHERE name = 'late signup'",
    );
    expect(late?.id).toBe(56);

    const r = await runCli([...applyArgs(dir, '--live', '--batch-rows', '7'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ApplyReport;
    expect(report.live).toBe(true);
    expect(await conflicts(dir)).toEqual(
      [
        'merchant update 5 changed',
        'customer update 53 changed',
        'customer copy 53 taken',
        'customer copy 56 taken',
        'orders update 203 parent-deferred',
        'orders copy 105 parent-deferred',
        'orders copy 106 parent-deferred',
        'orders copy 111 parent-deferred',
        'orders copy 112 parent-deferred',
      ].sort(),
    );
    expect(report.deferred).toBe(9);

    // What the application wrote is there as it wrote it.
    const rows = await one<{ id: number; name: string }>(
      shop.interim,
      'SELECT id, name FROM customer WHERE id IN (1, 53, 56) ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, name: 'app edit 2' },
      { id: 53, name: 'app edit' },
      { id: 56, name: 'late signup' },
    ]);
    const [m5] = await one<{ name: string }>(
      shop.interim,
      'SELECT name FROM merchant WHERE id = 5',
    );
    expect(m5?.name).toBe('app edit');
    const [o] = await one<{ n: string | number }>(
      shop.interim,
      'SELECT COUNT(*) AS n FROM orders WHERE amount = 9.99 AND customer_id = 1',
    );
    expect(Number(o?.n)).toBe(1);

    // Every action on a row the application did not touch is applied.
    const moved = await one<{ id: number; name: string }>(
      shop.interim,
      "SELECT id, name FROM customer WHERE name LIKE 'signup%' ORDER BY id",
    );
    // 53 was edited by the application: not moved (its move is deferred).
    expect(moved).toEqual([
      { id: 101, name: 'signup 51' },
      { id: 102, name: 'signup 52' },
      { id: 104, name: 'signup 54' },
      { id: 105, name: 'signup 55' },
    ]);
    const [restored] = await one<{ n: string | number }>(
      shop.interim,
      "SELECT COUNT(*) AS n FROM customer WHERE name LIKE 'customer %'",
    );
    // the backup's customers: 25 kept (less customer 1, renamed by the application), 70
    // restored (less 56, which the application took), 4 of the 5 colliding ones (53 deferred)
    expect(Number(restored?.n)).toBe(24 + 69 + 4);
    expect(await orphans(shop.interim)).toBe(0);
    // The counters were reserved past the plan's ids, and past the application's.
    const [ai] = await one<{ ai: string | number }>(
      shop.interim,
      `SELECT AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${shop.interim.schema}' AND TABLE_NAME = 'customer'`,
    );
    expect(Number(ai?.ai)).toBeGreaterThanOrEqual(106);

    // verify --live: nothing orphaned, no unique key twice; the deferred actions counted.
    const v = await runCli(['verify', '--plan', dir, '--live', '--json', '--log-level', 'warn']);
    expect(v.code, v.stdout).toBe(0);
    const vr = JSON.parse(v.stdout) as { deferred: number; changedSince: number; live: boolean };
    expect(vr).toMatchObject({ live: true, deferred: 9, changedSince: 0 });
    // A strict verify cannot pass: the application's rows are in the digests.
    const strictVerify = await runCli(['verify', '--plan', dir, '--log-level', 'warn']);
    expect(strictVerify.code).toBe(1);

    // The way forward: plan the deferred rows again, apply that on top.
    const cfg = join(dir, '..', 'config.yaml');
    await writeFile(
      cfg,
      `backup: ${urlOf(shop.backup.schema)}\ninterim: ${urlOf(shop.interim.schema)}\n${LIVE_CONFIG}`,
    );
    const next = join(dir, '..', 'refresh');
    const refreshed = await runCli([
      'plan',
      '--refresh',
      dir,
      '--config',
      cfg,
      '--out',
      next,
      '--log-level',
      'warn',
    ]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toContain('9 deferred key(s)');
    const follow = await runCli([...applyArgs(next, '--live'), '--json']);
    expect(follow.code, follow.stderr).toBe(0);
    expect((JSON.parse(follow.stdout) as ApplyReport).deferred).toBe(0);
    // The backup's customers 53 and 56 are restored with their orders; the application's rows
    // at those ids moved to fresh ids, their orders following; the policy decided merchant 5.
    const c = await one<{ id: number; name: string }>(
      shop.interim,
      "SELECT id, name FROM customer WHERE id IN (53, 56) OR name IN ('app edit', 'late signup') ORDER BY id",
    );
    expect(c.map((x) => x.name)).toEqual(['customer 53', 'customer 56', 'app edit', 'late signup']);
    expect(c[2]?.id).toBeGreaterThan(105);
    const [orders] = await one<{ n: string | number }>(
      shop.interim,
      'SELECT COUNT(*) AS n FROM orders WHERE id IN (105, 106, 111, 112) AND customer_id IN (53, 56)',
    );
    expect(Number(orders?.n)).toBe(4);
    const [o203] = await one<{ customer_id: number }>(
      shop.interim,
      'SELECT customer_id FROM orders WHERE id = 203',
    );
    expect(o203?.customer_id).toBe(c[2]?.id);
    expect(await orphans(shop.interim)).toBe(0);
  }, 90_000);

  it('a sign-up during a strict apply takes no fresh id; a strict run stopped half-way is finished with --live', async () => {
    const shop = await makeLiveShop(schemas, 'lv2');
    const { dir, manifest } = await planLiveShop(shop);
    const fresh = manifest.remaps.find((m) => m.table === 'customer');
    expect(fresh).toBeDefined();

    // Paused right after the reservation, before the first batch: a sign-up now.
    const run = runToPause(applyArgs(dir, '--batch-rows', '3'), 'start');
    await run.paused;
    await sql(
      shop.interim,
      "INSERT INTO customer (merchant_id, name, created_at) VALUES (1, 'during', '2020-03-02 08:00:00')",
    );
    const [during] = await one<{ id: number }>(
      shop.interim,
      "SELECT id FROM customer WHERE name = 'during'",
    );
    // Not a fresh id, not a backup id the plan restores: past everything the plan writes.
    expect(during?.id).toBeGreaterThan(Number(fresh?.last));
    run.signal('SIGUSR2');
    const done = await run.done;
    expect(done.code).toBe(0);

    // A second plan on another copy: killed half-way, the application writes, strict refuses.
    const shop2 = await makeLiveShop(schemas, 'lv3');
    const p2 = await planLiveShop(shop2);
    await killAt(applyArgs(p2.dir, '--batch-rows', '3'), 'batch:8');
    await sql(
      shop2.interim,
      "INSERT INTO customer (merchant_id, name, created_at) VALUES (1, 'meanwhile', '2020-03-02 08:00:00')",
    );
    const strict = await runCli([...applyArgs(p2.dir), '--json']);
    expect(strict.code).toBe(3);
    const err = JSON.parse(strict.stdout) as ErrorDocument;
    expect(err.error.reason).toBe('journal-mismatch');
    expect(err.error.message).toContain('--live');

    const live = await runCli([...applyArgs(p2.dir, '--live'), '--json']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as ApplyReport;
    expect(report.outcome).toBe('resumed');
    expect(report.deferred).toBe(0);
    const [n] = await one<{ n: string | number }>(
      shop2.interim,
      "SELECT COUNT(*) AS n FROM customer WHERE name = 'meanwhile'",
    );
    expect(Number(n?.n)).toBe(1);
    expect(await orphans(shop2.interim)).toBe(0);
    const [all] = await one<{ n: string | number }>(
      shop2.interim,
      'SELECT COUNT(*) AS n FROM customer',
    );
    // 100 backup customers, 5 moved sign-ups, the one made meanwhile
    expect(Number(all?.n)).toBe(106);
  }, 90_000);

  it('refuses a target grown into the fresh ids before anything is written', async () => {
    const shop = await makeLiveShop(schemas, 'lv4');
    const { dir, manifest } = await planLiveShop(shop);
    const fresh = manifest.remaps.find((m) => m.table === 'customer');
    await sql(
      shop.interim,
      `INSERT INTO customer (id, merchant_id, name, created_at) VALUES (${fresh?.first}, 1, 'grew', '2020-03-02 08:00:00')`,
    );
    const r = await runCli([...applyArgs(dir, '--live'), '--json']);
    expect(r.code).toBe(3);
    const err = JSON.parse(r.stdout) as ErrorDocument;
    expect(err.error.reason).toBe('fresh-ids-taken');
    expect(err.error.message).toContain(`id ${fresh?.first}..${fresh?.last}`);
    const [j] = await one<{ n: string | number }>(
      shop.interim,
      `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${shop.interim.schema}' AND TABLE_NAME = '_reconcile_journal'`,
    );
    expect(Number(j?.n)).toBe(0);

    // With room left above the largest id (remapHeadroom), the same growth is no obstacle.
    const roomy = await makeLiveShop(schemas, 'lv4r');
    const planned = await planLiveShop(roomy, { headroom: 50 });
    const moved = planned.manifest.remaps.find((m) => m.table === 'customer');
    expect(moved?.first).toBe('151');
    await sql(
      roomy.interim,
      "INSERT INTO customer (id, merchant_id, name, created_at) VALUES (101, 1, 'grew', '2020-03-02 08:00:00')",
    );
    const ok = await runCli([...applyArgs(planned.dir, '--live'), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await orphans(roomy.interim)).toBe(0);
  }, 60_000);

  it('rollback --live undoes what nobody changed since the apply, keeps and lists the rest', async () => {
    const shop = await makeLiveShop(schemas, 'lv5');
    const { dir } = await planLiveShop(shop);
    const before = await one<{ id: number; name: string; merchant_id: number }>(
      shop.interim,
      'SELECT id, name, merchant_id FROM customer ORDER BY id',
    );
    const applied = await runCli(applyArgs(dir, '--live', '--batch-rows', '7'));
    expect(applied.code, applied.stderr).toBe(0);
    // The application goes on: it edits a moved sign-up and a restored customer, deletes a
    // restored order, signs up a customer.
    await sql(
      shop.interim,
      `UPDATE customer SET name = 'edited after' WHERE id IN (101, 70);
       DELETE FROM orders WHERE id = 140;
       INSERT INTO customer (merchant_id, name, created_at) VALUES (3, 'after apply', '2020-03-03 08:00:00');`,
    );
    // verify --live lists the application's later writes, and passes.
    const v = await runCli(['verify', '--plan', dir, '--live', '--json', '--log-level', 'warn']);
    expect(v.code, v.stdout).toBe(0);
    const vr = JSON.parse(v.stdout) as {
      changedSince: number;
      tables: {
        table: string;
        keys: { listed: { key: Record<string, string>; problem: string }[] } | null;
      }[];
    };
    expect(vr.changedSince).toBe(3);
    const listed = vr.tables.flatMap((t) =>
      (t.keys?.listed ?? []).map((k) => `${t.table} ${Object.values(k.key ?? {})} ${k.problem}`),
    );
    expect(listed.sort()).toEqual(
      ['customer 101 differs', 'customer 70 differs', 'orders 140 missing'].sort(),
    );

    const strict = await runCli([
      'rollback',
      '--plan',
      dir,
      '--execute',
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(strict.code).toBe(3);
    expect((JSON.parse(strict.stdout) as ErrorDocument).error.reason).toBe('journal-mismatch');

    const r = await runCli([
      'rollback',
      '--plan',
      dir,
      '--execute',
      '--live',
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as {
      keptCount: number;
      kept: { table: string; op: string; key: Record<string, string>; reason: string }[];
    };
    const kept = report.kept.map((k) => `${k.table} ${k.op} ${Object.values(k.key)} ${k.reason}`);
    expect(kept.sort()).toEqual(
      [
        'customer update 101 changed',
        'customer insert 70 changed',
        'orders insert 140 gone',
      ].sort(),
    );
    const lines = (await readFile(join(dir, 'rollback-kept.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    // Everything else is as before the apply, with the application's writes on top.
    const after = await one<{ id: number; name: string; merchant_id: number }>(
      shop.interim,
      "SELECT id, name, merchant_id FROM customer WHERE id NOT IN (70, 101) AND name <> 'after apply' ORDER BY id",
    );
    // (the sign-up moved from 51 to 101 stays at 101: the application edited it there)
    expect(after).toEqual(before.filter((c) => c.id !== 51));
    const [orders] = await one<{ n: string | number }>(
      shop.interim,
      'SELECT COUNT(*) AS n FROM orders WHERE id <= 200 AND id NOT IN (SELECT o.id FROM orders o WHERE o.id = 140)',
    );
    // the interim's own orders of the first half (50), the restored ones all undone but none left
    expect(Number(orders?.n)).toBe(50);
    const [journal] = await one<{ n: string | number }>(
      shop.interim,
      `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${shop.interim.schema}' AND TABLE_NAME = '_reconcile_journal'`,
    );
    expect(Number(journal?.n)).toBe(0);
  }, 90_000);

  it('rehearse --live reports the strict window and the live run time, on a scratch copy', async () => {
    const shop = await makeLiveShop(schemas, 'lv6');
    const { dir } = await planLiveShop(shop);
    const r = await runCli([
      'rehearse',
      '--plan',
      dir,
      '--live',
      '--batch-seconds',
      '0.2',
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      mode: string;
      window: { total: number; apply: number };
      liveRun: { write: number; paused: number; total: number } | null;
      apply: { live: boolean; deferred: number };
    };
    expect(report).toMatchObject({ ok: true, mode: 'scratch', apply: { live: true, deferred: 0 } });
    expect(report.liveRun?.write).toBe(report.window.apply);
    expect(report.liveRun?.total).toBeGreaterThanOrEqual(report.liveRun?.write ?? Infinity);
    const inPlace = await runCli(['rehearse', '--plan', dir, '--live', '--in-place']);
    expect(inPlace.code).toBe(2);
  }, 60_000);
});
