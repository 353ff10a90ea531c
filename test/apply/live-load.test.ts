import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadGenerator, type LoadReport } from '../../bench/load-generator.js';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { LIVE_CONFIG, makeLiveShop, planLiveShop } from '../support/live-fixture.js';
import { checkLoadRun, type LoadFindings } from '../support/live-load-checks.js';
import {
  batchWindows,
  readConflicts,
  readPlanUnits,
  rowsByKey,
} from '../support/live-load-plan.js';
import { SHOP_LOAD, SHOP_REFERENCES } from '../support/live-load-shape.js';
import { TestSchemas, urlOf } from '../support/schemas.js';

/**
 * apply --execute --live while the application keeps writing: the load generator writes to the
 * interim (sign-ups, orders, edits, deletes) from before the apply starts until after it ends;
 * then nothing it wrote is lost or overwritten, every action on a row it never wrote is applied,
 * the deferrals are exactly those its writes explain, no reference is orphaned, unique keys
 * hold. The same with the apply killed (-9) half-way and run again while the writes go on.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RATE = 80;

/** The rows a query finds, one line each. */
async function lines(t: DbTarget, q: string): Promise<string[]> {
  const c = await connect(t);
  try {
    return (await c.query<{ line: string }>(q)).map((r) => r.line);
  } finally {
    await c.close();
  }
}

const ORPHANS = `SELECT CONCAT('orders ', o.id, ' → customer ', o.customer_id) AS line
    FROM orders o LEFT JOIN customer c ON c.id = o.customer_id WHERE c.id IS NULL
  UNION ALL SELECT CONCAT('customer ', c.id, ' → merchant ', c.merchant_id)
    FROM customer c LEFT JOIN merchant m ON m.id = c.merchant_id WHERE m.id IS NULL`;
const DUPLICATE_EMAILS =
  "SELECT CONCAT(email, ' x', COUNT(*)) AS line FROM merchant GROUP BY email HAVING COUNT(*) > 1";

interface LoadOutcome {
  readonly findings: LoadFindings;
  readonly load: LoadReport;
  readonly orphans: string[];
  readonly duplicateEmails: string[];
}

/**
 * Plans a live shop, starts the generator, lets it write a moment (between the plan and the
 * apply, as an application does), runs apply --live (killed at `kill` first, then run again),
 * lets it write a moment more, stops it and checks everything.
 */
async function applyUnderLoad(label: string, seed: number, kill?: string): Promise<LoadOutcome> {
  const shop = await makeLiveShop(schemas, label, { merchants: 10, customers: 200, signups: 20 });
  const { dir, manifest } = await planLiveShop(shop);
  const args = [
    'apply',
    '--plan',
    dir,
    '--execute',
    '--live',
    '--batch-rows',
    '5',
    '--log-level',
    'warn',
  ];
  const gen = await LoadGenerator.start({
    target: shop.interim,
    tables: SHOP_LOAD,
    rate: RATE,
    seed,
    phase: 'before',
  });
  let load: LoadReport | null = null;
  try {
    await sleep(300);
    gen.phase('apply');
    if (kill) {
      await killAt(args, kill);
      gen.phase('killed');
      await sleep(300);
      gen.phase('resumed');
    }
    const r = await runCli([...args, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // killed half-way: the second run went on from the journal
    const report = JSON.parse(r.stdout) as ApplyReport;
    expect(report.outcome).toBe(kill ? 'resumed' : 'applied');
    if (kill) expect(report.batches).toBeGreaterThan(0);
    gen.phase('after');
    await sleep(300);
  } finally {
    load = await gen.stop();
  }
  expect(load.failures, load.errors.join('\n')).toBe(0);
  const { units } = await readPlanUnits(dir, shop.backup);
  const target = new Map();
  for (const t of ['merchant', 'customer', 'orders'])
    target.set(t, await rowsByKey(shop.interim, t, 'id'));
  const findings = checkLoadRun({
    units,
    batches: await batchWindows(shop.interim, manifest.planId),
    conflicts: await readConflicts(dir),
    log: gen.log,
    references: SHOP_REFERENCES,
    target,
  });
  const orphans = await lines(shop.interim, ORPHANS);
  const duplicateEmails = await lines(shop.interim, DUPLICATE_EMAILS);
  // The way forward: plan the deferred rows again (the application quiet now), apply on top.
  const cfg = join(dir, '..', 'config.yaml');
  await writeFile(
    cfg,
    `backup: ${urlOf(shop.backup.schema)}\ninterim: ${urlOf(shop.interim.schema)}\n${LIVE_CONFIG}`,
  );
  const next = join(dir, '..', 'refresh');
  const refreshed = await runCli(['plan', '--refresh', dir, '--config', cfg, '--out', next]);
  expect(refreshed.code, refreshed.stderr).toBe(0);
  const follow = await runCli([...args.map((a) => (a === dir ? next : a)), '--json']);
  expect(follow.code, follow.stderr).toBe(0);
  expect((JSON.parse(follow.stdout) as ApplyReport).deferred).toBe(0);
  const verified = await runCli(['verify', '--plan', next, '--live', '--log-level', 'warn']);
  expect(verified.code, verified.stdout).toBe(0);
  return {
    findings,
    load,
    orphans: [...orphans, ...(await lines(shop.interim, ORPHANS))],
    duplicateEmails: [...duplicateEmails, ...(await lines(shop.interim, DUPLICATE_EMAILS))],
  };
}

function expectSound(o: LoadOutcome): void {
  const f = o.findings;
  // What the run did, for whoever reads the test's output.
  const latency = Object.fromEntries(
    Object.entries(o.load.phases).map(([k, v]) => [
      k,
      { p50: v.latencyMs.p50, p99: v.latencyMs.p99 },
    ]),
  );
  console.log(
    JSON.stringify({
      ...f.counts,
      stranded: f.stranded.length,
      orphans: o.orphans.length,
      retries: o.load.retries,
      skipped: o.load.skipped,
      latency,
    }),
  );
  expect(f.counts.writes).toBeGreaterThan(RATE);
  expect(f.overwritten).toEqual([]);
  expect(f.notApplied).toEqual([]);
  expect(f.wrongDeferrals).toEqual([]);
  // No child is left under a key the plan gave to another row, and none is orphaned.
  expect(f.stranded).toEqual([]);
  expect(o.orphans).toEqual([]);
  expect(o.duplicateEmails).toEqual([]);
  // The writes reached rows the plan touches: some actions were deferred.
  expect(Object.values(f.counts.deferred).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
}

describe('apply --live under load', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: nothing written is lost, the rest is applied, deferrals are exactly the written rows`, async () => {
      expectSound(await applyUnderLoad(`ld${seed}`, seed));
    }, 60_000);
  }

  it('killed (-9) after a batch and run again while the writes go on', async () => {
    expectSound(await applyUnderLoad('ldk', 7, 'batch:6'));
  }, 60_000);
});
