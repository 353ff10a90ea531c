import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { duplicateQuery } from '../../src/verify/integrity-sql.js';
import type { VerifyReport } from '../../src/verify/verify-plan.js';
import { runCli } from '../support/cli.js';
import { buildPlan } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reconcile-verify-'));
  dirs.push(d);
  return d;
}
const quiet = ['--log-level', 'warn'];

describe('verify', () => {
  it('finds rows whose declared foreign key or config reference has no parent, even when the digests match', async () => {
    const shop = await makeShop(schemas, 'orph', 20);
    await sql(
      shop.interim,
      'CREATE TABLE note (id INT PRIMARY KEY, order_ref BIGINT NULL, body TEXT)',
    );
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        // Deleting customer 3 orphans its two orders (fk_orders_customer).
        { table: 'customer', actions: [{ op: 'delete', key: { id: '3' } }] },
        {
          table: 'note',
          policy: { references: [{ column: 'order_ref', table: 'orders', refColumn: 'id' }] },
          actions: [
            { op: 'insert', row: { body: 'fine', id: '1', order_ref: '1' } },
            { op: 'insert', row: { body: 'dangling', id: '2', order_ref: '4242' } },
            { op: 'insert', row: { body: 'no reference', id: '3', order_ref: null } },
          ],
        },
      ],
    });
    const applied = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(applied.code).toBe(0);
    const r = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as VerifyReport;
    expect(doc.ok).toBe(false);
    expect(doc.checks.references).toBe(2);
    const byTable = Object.fromEntries(doc.tables.map((t) => [t.table, t]));
    // The plan's own tables hold what it promised...
    expect(byTable.customer?.digest.ok).toBe(true);
    expect(byTable.note?.digest.ok).toBe(true);
    expect(byTable.customer?.status).toBe('ok');
    // ...but a child table outside the plan lost its parents, and the note points nowhere.
    expect(byTable.orders?.status).toBe('mismatch');
    expect(byTable.orders?.orphans).toEqual([
      {
        reference: 'fk_orders_customer',
        table: 'orders',
        columns: ['customer_id'],
        references: 'customer(id)',
        count: 2,
        sample: [['3'], ['3']],
      },
    ]);
    expect(byTable.note?.status).toBe('mismatch');
    expect(byTable.note?.orphans).toMatchObject([
      { reference: 'config:order_ref', references: 'orders(id)', count: 1, sample: [['4242']] },
    ]);
    const text = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(text.stdout).toContain(
      '2 rows whose (customer_id) find no customer(id) [fk_orders_customer], e.g. 3; 3',
    );
    expect(text.stdout).toContain('MISMATCH: 2 of 3 tables differ');
  });

  it('finds ids inside JSON documents that point nowhere (a reference into JSON)', async () => {
    const shop = await makeShop(schemas, 'jorph', 20);
    await sql(shop.interim, 'CREATE TABLE evt (id INT PRIMARY KEY, payload JSON NULL)');
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'evt',
          policy: {
            jsonReferences: [
              {
                column: 'payload',
                path: '$.order.id',
                steps: [
                  { kind: 'member', name: 'order' },
                  { kind: 'member', name: 'id' },
                ],
                table: 'orders',
                refColumn: 'id',
              },
            ],
          },
          actions: [
            { op: 'insert', row: { id: '1', payload: '{"order": {"id": 1}}' } },
            { op: 'insert', row: { id: '2', payload: '{"order": {"id": 4242}, "n": 1}' } },
            { op: 'insert', row: { id: '3', payload: '{"note": "no order"}' } },
            { op: 'insert', row: { id: '4', payload: null } },
          ],
        },
      ],
    });
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    const r = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(r.code).toBe(1);
    const evt = (JSON.parse(r.stdout) as VerifyReport).tables.find((t) => t.table === 'evt');
    expect(evt?.orphans).toMatchObject([
      {
        reference: 'config:payload$.order.id',
        references: 'orders(id)',
        count: 1,
        sample: [['4242']],
      },
    ]);
  });

  it('reports a digest mismatch per table, and ok once the target holds the promised rows', async () => {
    const shop = await makeShop(schemas, 'dig', 20);
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [{ op: 'update', key: { id: '2' }, set: { name: 'merged' } }],
        },
      ],
    });
    const before = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/customer\s+mismatch\s+12\s+12\s+MISMATCH/);
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    const after = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(after.stdout).toMatch(/customer\s+ok\s+12\s+12\s+ok/);
    expect(after.code).toBe(0);
  });

  it('the duplicate-key query finds values held twice (shown on a table without the unique index)', async () => {
    const t = await schemas.create('dups');
    await sql(
      t,
      "CREATE TABLE u (a INT, b VARCHAR(5)); INSERT INTO u VALUES (1,'x'),(1,'x'),(1,'y'),(NULL,'x'),(NULL,'x'),(2,'x'),(2,'x'),(2,'x');",
    );
    const c = await connect(t);
    try {
      const rows = await c.rawRows(duplicateQuery(t.schema, 'u', ['a', 'b']));
      expect(rows.map((r) => r.map((v) => v?.toString())).sort()).toEqual([
        ['1', 'x', '2'],
        ['2', 'x', '3'],
      ]);
    } finally {
      await c.close();
    }
  });
});
