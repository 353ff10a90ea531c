import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/apply/journal.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import { runCli } from '../support/cli.js';
import { runToPause } from '../support/kill.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop, shopPlan } from '../support/shop-fixture.js';

/**
 * An apply that fails after some batches committed: its one line must say how many batches of
 * the plan stay applied and what to do next, with the command that undoes them. With
 * --batch-rows 5 the shop plan runs 12 batches (journal seq 2..13): at `batch:4` three have
 * committed (the two deletes, the first customer updates); order 9002 is updated later.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('a failed apply says which batches stay applied and the ways on', () => {
  it('a row changed under it mid-run: exit 3, "N batches of this plan stay applied: undo them with reconcile rollback …"; that rollback restores the before digests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-fail-'));
    dirs.push(dir);
    const shop = await makeShop(schemas, 'fa');
    const plan = await shopPlan(shop, dir);
    const run = runToPause(
      [
        'apply',
        '--plan',
        dir,
        '--execute',
        '--parallel',
        '1',
        '--batch-rows',
        '5',
        '--json',
        '--log-level',
        'warn',
      ],
      'batch:4',
    );
    await run.paused;
    await sql(shop.interim, 'UPDATE orders SET amount = 1.23 WHERE id = 9002');
    run.signal('SIGUSR2');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    const e = (JSON.parse(r.stdout) as ErrorDocument).error;
    expect(e).toMatchObject({ exit: 3, reason: 'row-changed' });

    const c = await connect(shop.interim);
    const applied = (await readJournal(c, shop.interim.schema, plan.planId)).batches.length;
    await c.close();
    expect(applied).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(
      /^\S+\.orders: the row at \{"id":"9002"\} is not the row the plan expects \(changed since the plan was made\); batch \d+ rolled back, nothing of it written; /,
    );
    expect(e.message).toContain(
      `; ${applied} batches of this plan stay applied: finish the apply with \`reconcile apply --plan ${dir} --execute --live\` (rows changed since the plan are deferred, not overwritten), or undo them with \`reconcile rollback --plan ${dir} --execute\`, then make the plan again`,
    );

    // The way on it names works: put the row back, roll back, and the target is as before.
    await sql(shop.interim, 'UPDATE orders SET amount = 65804.62 WHERE id = 9002');
    expect(await schemaDigests(shop.interim)).not.toEqual(planDigests(plan, 'before'));
    const rb = await runCli(['rollback', '--plan', dir, '--execute', '--log-level', 'warn']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });
});
