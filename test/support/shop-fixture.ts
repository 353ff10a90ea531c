/**
 * A small shop for the apply tests: a backup and an interim (the target) that ran on during the
 * incident, and a plan that merges them with every kind of action: rows restored from the
 * backup (server-side copies), rows sent as values, updates (one of a table with ON UPDATE
 * CURRENT_TIMESTAMP), deletes, a table without a key, and an AUTO_INCREMENT raise.
 */

import type { Row } from '../../src/cell/cells.js';
import type { DbTarget } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type ActionSpec, buildPlan } from './plan-builder.js';
import { sql, type TestSchemas } from './schemas.js';

export const SHOP_DDL = `
CREATE TABLE customer (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(50) NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_email (email)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  meta JSON NULL,
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE=InnoDB;
CREATE TABLE audit (who VARCHAR(20) NULL, what VARCHAR(50) NOT NULL, score DOUBLE NULL) ENGINE=InnoDB;
`;

export interface Shop {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly customers: number;
}

const customer = (id: number, name: string): string =>
  `(${id}, 'c${id}@shop.test', '${name}', '2020-02-20 10:00:00.${String(id % 1000).padStart(3, '0')}')`;
const order = (id: number, cust: number): string =>
  `(${id}, ${cust}, ${(id * 7.31).toFixed(2)}, '{"n": ${id}, "tags": ["a", "b"]}')`;

/** Backup: customers 1..n with two orders each. Interim: the first half, edited, plus new rows. */
export async function makeShop(schemas: TestSchemas, label: string, n = 120): Promise<Shop> {
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  await sql(
    backup,
    `${SHOP_DDL}
     INSERT INTO customer VALUES ${ids.map((i) => customer(i, `name ${i}`)).join(',')};
     INSERT INTO orders VALUES ${ids.flatMap((i) => [order(2 * i - 1, i), order(2 * i, i)]).join(',')};
     INSERT INTO audit VALUES ('ops', 'restore', 1.5), ('ops', 'restore', 1.5), (NULL, 'boot', NULL);`,
  );
  const half = ids.slice(0, n / 2);
  await sql(
    interim,
    `${SHOP_DDL}
     INSERT INTO customer VALUES ${half.map((i) => customer(i, i % 10 === 0 ? `edited ${i}` : `name ${i}`)).join(',')},
       ${customer(5001, 'new 5001')}, ${customer(5002, 'new 5002')};
     INSERT INTO orders VALUES ${half.flatMap((i) => [order(2 * i - 1, i), order(2 * i, i)]).join(',')},
       ${order(9001, 5001)}, ${order(9002, 5002)}, ${order(9003, 5002)};
     INSERT INTO audit VALUES ('ops', 'restore', 1.5), ('app', 'interim', 0.1);`,
  );
  return { backup, interim, customers: n };
}

const cust = (i: number, name: string): Row => ({
  email: `c${i}@shop.test`,
  id: String(i),
  name,
  updated_at: `2020-02-20 10:00:00.${String(i % 1000).padStart(3, '0')}`,
});

/**
 * The merge: restore the missing customers and orders from the backup (server-side copies);
 * put back the backup's names where the interim edited them (keeping updated_at as it is);
 * delete one interim order; fix the keyless audit table; raise customer's AUTO_INCREMENT.
 */
export function shopPlan(
  shop: Shop,
  dir: string,
  over: Partial<{ copy: boolean }> = {},
): Promise<PlanManifest> {
  const n = shop.customers;
  const missing = Array.from({ length: n / 2 }, (_, i) => n / 2 + i + 1);
  const copyOf = over.copy === false ? null : ('backup' as const);
  const edited = Array.from({ length: n / 2 }, (_, i) => i + 1).filter((i) => i % 10 === 0);
  const customerActions: ActionSpec[] = [
    ...edited.map(
      (i): ActionSpec => ({ op: 'update', key: { id: String(i) }, set: { name: `name ${i}` } }),
    ),
    ...missing.map((i): ActionSpec => ({ op: 'insert', row: cust(i, `name ${i}`), copyOf })),
  ];
  const orderActions: ActionSpec[] = [
    { op: 'delete', key: { id: '9003' } },
    { op: 'update', key: { id: '9002' }, set: { amount: '99.99', meta: null } },
    ...missing.flatMap((i) =>
      [2 * i - 1, 2 * i].map(
        (id): ActionSpec => ({
          op: 'insert',
          row: {
            amount: (id * 7.31).toFixed(2),
            customer_id: String(i),
            id: String(id),
            meta: `{"n": ${id}, "tags": ["a", "b"]}`,
          },
          copyOf,
        }),
      ),
    ),
  ];
  const auditActions: ActionSpec[] = [
    { op: 'delete', key: {}, before: { score: '0.1', what: 'interim', who: 'app' } },
    { op: 'insert', row: { score: '1.5', what: 'restore', who: 'ops' } },
    { op: 'insert', row: { score: null, what: 'boot', who: null } },
  ];
  return buildPlan({
    dir,
    backup: shop.backup,
    interim: shop.interim,
    tables: [
      {
        table: 'customer',
        actions: customerActions,
        autoIncrement: { column: 'id', next: '6000' },
      },
      { table: 'orders', actions: orderActions, autoIncrement: { column: 'id', next: '9100' } },
      { table: 'audit', actions: auditActions },
    ],
    order: ['customer', 'orders', 'audit'],
  });
}
