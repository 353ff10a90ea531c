import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockName } from '../../src/apply/lock.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { Connection } from '../../src/db/types.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import { runToPause } from '../support/kill.js';
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

/**
 * Waits until a connection to `schema` other than `not` runs a statement like `text`; fails
 * with what `run` printed if it ends first.
 */
async function waitFor(
  c: Connection,
  schema: string,
  text: string,
  not: number,
  run: Promise<CliResult>,
): Promise<void> {
  const seen: { ended: CliResult | null } = { ended: null };
  void run.then((r) => {
    seen.ended = r;
  });
  const end = Date.now() + 10_000;
  for (;;) {
    const r = seen.ended;
    if (r) throw new Error(`ended (exit ${r.code}) before it waited: ${r.stderr}`);
    const rows = await c.query(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID NOT IN (?, CONNECTION_ID()) AND INFO LIKE ?',
      [schema, not, text],
    );
    if (rows.length > 0) return;
    if (Date.now() > end) throw new Error(`no connection runs ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

  it('kill -9 of an apply the server has not noticed yet, then the same apply: it waits, then resumes', async () => {
    const { shop, dir, plan } = await fresh('lw3');
    const lock = lockName(shop.interim.schema);
    // The predecessor: an apply stopped (SIGSTOP) after batch 3, its connection still open and
    // holding the lock, as a killed run's is until the server notices (on local TCP a kill -9
    // is noticed at once, so the stop stands for the delay a real network gives).
    const first = runToPause(apply(dir), 'batch:3');
    await first.paused;
    first.signal('SIGSTOP');
    const admin = await connect(shop.interim);
    try {
      const held = await admin.query<{ id: number | string | null }>(
        'SELECT IS_USED_LOCK(?) AS id',
        [lock],
      );
      const holder = Number(held[0]?.id);
      expect(holder).toBeGreaterThan(0);
      // Without a wait the same apply is refused, as the predecessor's lock says.
      const refused = await runCli(apply(dir, '--lock-wait', '0', '--log-level', 'warn'));
      expect(refused.code).toBe(3);
      expect(JSON.parse(refused.stdout)).toMatchObject({ error: { reason: 'lock-held' } });

      const t0 = performance.now();
      const again = runCli(apply(dir, '--lock-wait', '5', '--log-level', 'warn'));
      await waitFor(admin, shop.interim.schema, 'SELECT GET_LOCK(%', holder, again);
      await new Promise((r) => setTimeout(r, 1000));
      // The server notices now: the predecessor's connection closes with its process.
      first.signal('SIGKILL');
      const r = await again;
      const waited = performance.now() - t0;
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { outcome: string }).outcome).toBe('resumed');
      expect(waited).toBeGreaterThan(1000);
      const waiting = events(r.stderr).filter((e) => e.event === 'lock.waiting');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]?.msg).toMatch(
        new RegExp(
          `^waiting up to 5s \\(--lock-wait\\) for the lock on .*held by connection ${holder}, root@`,
        ),
      );
    } finally {
      first.signal('SIGKILL');
      await first.done;
      await admin.close();
    }
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
  });
});
