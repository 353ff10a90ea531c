import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/apply/journal.js';
import { PAUSE_SIGNALS_ENV } from '../../src/apply/test-pause.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import { runToPause } from '../support/kill.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

/**
 * SIGINT and SIGTERM during apply and rollback, sent by a real signal to a real process at a
 * test pause. With --batch-rows 5 the shop plan runs 12 batches, journal seq 2..13 (seq 1 is
 * the start row): `commit:5` is inside the 4th batch's transaction.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-int-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

// One writer (--parallel 1): the batch numbers below are the order of a single connection.
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
  '--json',
];
const rollback = (dir: string): string[] => [
  'rollback',
  '--plan',
  dir,
  '--execute',
  '--log-level',
  'warn',
  '--json',
];

async function journaled(shop: Shop, plan: PlanManifest): Promise<number> {
  const c = await connect(shop.interim);
  try {
    return (await readJournal(c, shop.interim.schema, plan.planId)).batches.length;
  } finally {
    await c.close();
  }
}

function errorOf(r: CliResult): ErrorDocument['error'] {
  return (JSON.parse(r.stdout) as ErrorDocument).error;
}

/** The target is exactly where its journal says: a dry run would resume from there. */
async function expectWhole(dir: string): Promise<void> {
  const dry = await runCli(['apply', '--plan', dir, '--json', '--log-level', 'warn']);
  expect(dry.code, dry.stderr).toBe(0);
  expect((JSON.parse(dry.stdout) as { outcome: string }).outcome).toBe('would-resume');
}

async function expectResumes(shop: Shop, dir: string, plan: PlanManifest): Promise<void> {
  const again = await runCli(apply(dir));
  expect(again.code, again.stderr).toBe(0);
  expect((JSON.parse(again.stdout) as { outcome: string }).outcome).toBe('resumed');
  expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
}

describe('a person stops apply or rollback', () => {
  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: the batch in flight commits, the run stops there (exit ${exit}); a rerun resumes`, async () => {
      const { shop, dir, plan } = await fresh(signal === 'SIGINT' ? 'si' : 'st');
      const run = runToPause(apply(dir), 'commit:5');
      await run.paused;
      run.signal(signal);
      const r = await run.done;
      expect(r.code, r.stderr).toBe(exit);
      expect(errorOf(r)).toMatchObject({ exit, reason: 'interrupted' });
      expect(errorOf(r).message).toMatch(
        /^interrupted after batch 4 of 12; nothing is half-written; rerun the same command to resume$/,
      );
      expect(r.stderr).toContain(`reconcile: ${signal}: stopping after the current batch`);
      expect(await journaled(shop, plan)).toBe(4);
      await expectWhole(dir);
      await expectResumes(shop, dir, plan);
    });
  }

  it('a second SIGINT stops at once: the open transaction rolls back, nothing of it stays', async () => {
    const { shop, dir, plan } = await fresh('s2');
    const run = runToPause(apply(dir), 'commit:5', { [PAUSE_SIGNALS_ENV]: '2' });
    await run.paused;
    run.signal('SIGINT');
    await waitFor(() => run.stderr().includes('stopping after the current batch'));
    run.signal('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(errorOf(r)).toMatchObject({ exit: 130, reason: 'interrupted' });
    expect(errorOf(r).message).toMatch(
      /^interrupted during batch 4 of 12: the connection was closed/,
    );
    // The 4th batch had written its rows and journal row, uncommitted: all rolled back.
    await waitFor(async () => (await journaled(shop, plan)) === 3);
    await expectWhole(dir);
    await expectResumes(shop, dir, plan);
  });

  it('rollback stops between two undos; a rerun finishes it', async () => {
    const { shop, dir, plan } = await fresh('sr');
    expect((await runCli(apply(dir))).code).toBe(0);
    const run = runToPause(rollback(dir), 'undo:10');
    await run.paused;
    run.signal('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(errorOf(r)).toMatchObject({ reason: 'interrupted' });
    expect(errorOf(r).message).toMatch(
      /^interrupted after undoing batch 4 of 12; nothing is half-undone/,
    );
    expect(await journaled(shop, plan)).toBe(8);
    const again = await runCli(rollback(dir));
    expect(again.code, again.stderr).toBe(0);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });
});

async function waitFor(ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
