import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { makeLiveShop, planLiveShop } from '../support/live-fixture.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * apply --live and the children of a row the plan moves (interim sign-up customer 51 → a fresh
 * id, the backup's customer 51 restored at the old id). A child must never be left under 51,
 * where it would silently belong to the backup's customer (or to nothing):
 * - an order the application placed for the sign-up after the plan was made (the plan's
 *   rewires cover only the orders it saw): the move is deferred (`referenced`), the sign-up and
 *   its order stay together for plan --refresh;
 * - an order of the sign-up the application edited (its amount): the rewire of customer_id,
 *   which still holds what the plan saw, applies over the edit, which stays.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const applyLive = (dir: string): string[] => [
  'apply',
  '--plan',
  dir,
  '--execute',
  '--live',
  '--log-level',
  'warn',
  '--json',
];

/** The name of the customer an order references now (null: none, an orphan). */
async function ownerOf(t: DbTarget, where: string): Promise<string | null> {
  const c = await connect(t);
  try {
    const [r] = await c.query<{ name: string | null }>(
      `SELECT c.name FROM orders o LEFT JOIN customer c ON c.id = o.customer_id WHERE ${where}`,
    );
    return r?.name ?? null;
  } finally {
    await c.close();
  }
}

describe('apply --live: children of a row the plan moves', () => {
  it('an order placed for a sign-up after the plan stays with it: the move is deferred (referenced)', async () => {
    const shop = await makeLiveShop(schemas, 'lc1');
    const { dir } = await planLiveShop(shop);
    await sql(
      shop.interim,
      "INSERT INTO orders (customer_id, amount, created_at) VALUES (51, 7.77, '2020-03-01 09:00:00')",
    );
    const r = await runCli(applyLive(dir));
    expect(r.code).toBe(0);
    expect(await ownerOf(shop.interim, 'o.amount = 7.77')).toBe('signup 51');
    const report = JSON.parse(r.stdout) as { deferred: number };
    expect(report.deferred).toBeGreaterThan(0);
  }, 30_000);

  it('an order of a sign-up the application edited follows the sign-up to its new id', async () => {
    const shop = await makeLiveShop(schemas, 'lc2');
    const { dir } = await planLiveShop(shop);
    // order 201 is sign-up 51's (live-fixture.ts); the plan rewires its customer_id
    await sql(shop.interim, 'UPDATE orders SET amount = 8.88 WHERE id = 201');
    const r = await runCli(applyLive(dir));
    expect(r.code).toBe(0);
    expect(await ownerOf(shop.interim, 'o.id = 201 AND o.amount = 8.88')).toBe('signup 51');
    const report = JSON.parse(r.stdout) as { deferred: number };
    expect(report.deferred).toBe(0);
  }, 30_000);
});
