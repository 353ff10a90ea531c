import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockName } from '../../src/apply/lock.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-lock-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label, 40);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

const apply = (dir: string, ...more: string[]): string[] => [
  'apply',
  '--plan',
  dir,
  '--execute',
  '--batch-rows',
  '5',
  '--json',
  ...more,
];

/** The JSON log lines on stderr (logs are JSON when stderr is not a terminal). */
function events(stderr: string): { event?: string; msg?: string }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; msg?: string });
}

describe('the lock of another run is waited for, for --lock-wait seconds', () => {
  it('held past the wait: refused (lock-held), after saying once who holds it', async () => {
    const { shop, dir } = await fresh('lw1');
    const before = await schemaDigests(shop.interim);
    const holder = await connect(shop.interim);
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName(shop.interim.schema)]);
      const t0 = performance.now();
      // At --log-level warn: the wait is said even when info lines are not.
      const r = await runCli(apply(dir, '--lock-wait', '2', '--log-level', 'warn'));
      expect(performance.now() - t0).toBeGreaterThan(2000);
      expect(r.code).toBe(3);
      const doc = JSON.parse(r.stdout) as ErrorDocument;
      expect(doc.error).toMatchObject({ exit: 3, reason: 'lock-held' });
      expect(doc.error.message).toContain(`held by connection ${holder.threadId}, root@`);
      const waiting = events(r.stderr).filter((e) => e.event === 'lock.waiting');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]?.msg).toContain(`held by connection ${holder.threadId}`);
    } finally {
      await holder.close();
    }
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });

  it('released within the wait: the run goes on', async () => {
    const { shop, dir, plan } = await fresh('lw2');
    const holder = await connect(shop.interim);
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName(shop.interim.schema)]);
      const run = runCli(apply(dir, '--lock-wait', '30'));
      await new Promise((r) => setTimeout(r, 1500));
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName(shop.interim.schema)]);
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { outcome: string }).outcome).toBe('applied');
    } finally {
      await holder.close();
    }
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
  });

  it('kill -9 of an apply mid-batch, then the same apply at once: it resumes', async () => {
    const { shop, dir, plan } = await fresh('lw3');
    await killAt(apply(dir), 'commit:5');
    const r = await runCli(apply(dir));
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { outcome: string }).outcome).toBe('resumed');
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
  });
});
