import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { makeLiveShop, planLiveShop } from '../support/live-fixture.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * KNOWN BUG (found by test/apply/live-load.test.ts, pinned down here): apply --live moves a
 * remapped row (interim sign-up customer 51 → a fresh id) whenever the row itself is unchanged,
 * and restores the backup's customer 51 at the old id. A child the plan does not rewire then
 * stays under id 51 and silently belongs to the backup's customer 51 (or to nothing, when that
 * restore is deferred too: an orphan):
 * - an order the application placed for the sign-up after the plan was made (the plan's
 *   rewires cover only the orders it saw);
 * - an order of the sign-up whose rewire was deferred because the application edited another
 *   column of it (amount).
 * Both tests state what must hold and are marked `.fails` until src/apply handles it (defer the
 * move while rows the plan does not rewire reference the old id; apply a rewire whose own
 * columns still hold what the plan saw, over the application's edits of other columns). Remove
 * `.fails` with the fix.
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
  it.fails('an order placed for a sign-up after the plan follows the sign-up to its new id', async () => {
    const shop = await makeLiveShop(schemas, 'lc1');
    const { dir } = await planLiveShop(shop);
    await sql(
      shop.interim,
      "INSERT INTO orders (customer_id, amount, created_at) VALUES (51, 7.77, '2020-03-01 09:00:00')",
    );
    const r = await runCli(applyLive(dir));
    expect(r.code).toBe(0);
    expect(await ownerOf(shop.interim, 'o.amount = 7.77')).toBe('signup 51');
  }, 30_000);

  it.fails('an order of a sign-up the application edited follows the sign-up to its new id', async () => {
    const shop = await makeLiveShop(schemas, 'lc2');
    const { dir } = await planLiveShop(shop);
    // order 201 is sign-up 51's (live-fixture.ts); the plan rewires its customer_id
    await sql(shop.interim, 'UPDATE orders SET amount = 8.88 WHERE id = 201');
    const r = await runCli(applyLive(dir));
    expect(r.code).toBe(0);
    expect(await ownerOf(shop.interim, 'o.id = 201 AND o.amount = 8.88')).toBe('signup 51');
  }, 30_000);
});
