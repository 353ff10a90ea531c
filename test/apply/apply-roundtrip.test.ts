import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { DEFAULT_LIMITS } from '../../src/apply/batches.js';
import { JOURNAL_TABLE } from '../../src/apply/journal.js';
import { openPlanSession, type PlanSession } from '../../src/apply/plan-session.js';
import { rollbackPlan } from '../../src/apply/rollback-plan.js';
import { connect } from '../../src/db/mysql.js';
import { silentLogger } from '../../src/log.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { verifyPlan } from '../../src/verify/verify-plan.js';
import { planDigests, schemaDigests } from '../support/plan-builder.js';
import { TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
let dir: string;
let shop: Shop;
let plan: PlanManifest;

const open = (): Promise<PlanSession> =>
  openPlanSession(dir, plan, shop.interim, shop.interim.schema, silentLogger());
const limits = { ...DEFAULT_LIMITS, rows: 25 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconcile-apply-'));
  shop = await makeShop(schemas, 'rt');
  plan = await shopPlan(shop, dir);
});
afterAll(async () => {
  await schemas.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('apply, verify, rollback', () => {
  it('a dry run lists the batches and changes nothing', async () => {
    const before = await schemaDigests(shop.interim);
    const ps = await open();
    try {
      const r = await applyPlan(ps, {
        execute: false,
        allowTriggers: false,
        limits,
        backup: shop.backup,
      });
      expect(r.outcome).toBe('would-apply');
      const byTable = Object.fromEntries(r.tables.map((t) => [t.table, t]));
      expect(byTable.customer).toMatchObject({
        updated: 6,
        copied: 60,
        inserted: 0,
        deleted: 0,
        batches: 1,
      });
      expect(byTable.orders).toMatchObject({ updated: 1, copied: 120, deleted: 1, batches: 2 });
      expect(byTable.audit).toMatchObject({ inserted: 2, deleted: 1, batches: 2 });
    } finally {
      await ps.conn.close();
    }
    expect(await schemaDigests(shop.interim)).toEqual(before);
    expect(before).toEqual(planDigests(plan, 'before'));
  });

  it('applies with server-side copies, verifies, and rolls back to the exact before digests', async () => {
    const ps = await open();
    try {
      const r = await applyPlan(ps, {
        execute: true,
        allowTriggers: false,
        limits,
        backup: shop.backup,
      });
      expect(r.outcome).toBe('applied');
      expect(r.tables.find((t) => t.table === 'orders')).toMatchObject({
        copied: 120,
        deleted: 1,
        updated: 1,
      });
      expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
      const v = await verifyPlan(ps);
      expect(v.tables.filter((t) => t.status !== 'ok')).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.journal).toBe('complete');
      expect(v.checks.references).toBe(1);

      // ON UPDATE CURRENT_TIMESTAMP did not fire on the updated customers.
      const c = await connect(shop.interim);
      try {
        const rows = await c.query<{ name: string; updated_at: string }>(
          'SELECT name, updated_at FROM customer WHERE id = 10',
        );
        expect(rows[0]).toEqual({ name: 'name 10', updated_at: '2020-02-20 10:00:00.010' });
        const ai = await c.query<{ ai: string }>(
          "SELECT AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'customer'",
          [shop.interim.schema],
        );
        expect(String(ai[0]?.ai)).toBe('6000');
      } finally {
        await c.close();
      }

      // The restored customers 61..120 are journaled as one range, not 60 keys.
      const undo = await ps.conn.query<{ payload: string }>(
        `SELECT payload FROM \`${shop.interim.schema}\`.${JOURNAL_TABLE} WHERE kind = 'batch' AND table_name = 'customer'`,
      );
      expect(undo.map((u) => JSON.parse(u.payload).steps.at(-1))).toEqual([
        { op: 'unInsert', keys: [], ranges: [['61', '120']] },
      ]);

      const again = await applyPlan(ps, {
        execute: true,
        allowTriggers: false,
        limits,
        backup: shop.backup,
      });
      expect(again.outcome).toBe('already-applied');

      const rb = await rollbackPlan(ps, { execute: true });
      expect(rb.outcome).toBe('rolled-back');
      expect(rb.beforeOk).toBe(true);
      expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
      const c2 = await connect(shop.interim);
      try {
        const t = await c2.query(
          'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
          [shop.interim.schema, JOURNAL_TABLE],
        );
        expect(t).toEqual([]);
      } finally {
        await c2.close();
      }
    } finally {
      await ps.conn.close();
    }
  });
});
