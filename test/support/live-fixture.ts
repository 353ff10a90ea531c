/**
 * A small incident for live-mode tests: merchants → customers (declared foreign key) → orders
 * (a reference only the config declares). The backup holds merchants 1..M, customers 1..C and
 * two orders per customer; the interim (the target, merged in place) holds the first half,
 * some merchants renamed during the incident, and sign-ups made after the incident began whose
 * AUTO_INCREMENT ids collide with backup ids (remapped by the plan, `remap: interim`).
 */
import { join } from 'node:path';
import { buildPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import type { DbTarget } from '../../src/db/url.js';
import { silentLogger } from '../../src/log.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { runPlan } from '../../src/plan/run-plan.js';
import { sql, type TestSchemas, urlOf } from './schemas.js';
import { tempDir } from './temp.js';

export const LIVE_DDL = `
CREATE TABLE merchant (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(60) NOT NULL,
  email VARCHAR(80) NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uk_email (email)
) ENGINE=InnoDB;
CREATE TABLE customer (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id INT NOT NULL,
  name VARCHAR(60) NOT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_customer_merchant FOREIGN KEY (merchant_id) REFERENCES merchant (id)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(10,2) NOT NULL,
  created_at DATETIME NOT NULL,
  KEY k_customer (customer_id)
) ENGINE=InnoDB;
`;

export const LIVE_CONFIG = `
incident:
  start: "2020-02-23T19:00:00+00:00"
defaults:
  createdAt: created_at
tables:
  merchant:
    onChanged: prefer-backup
  orders:
    references: { customer_id: customer.id }
`;

const BEFORE = '2020-02-20 10:00:00';
const AFTER = '2020-02-25 12:00:00';

export interface LiveShop {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  /** merchants, customers in the backup */
  readonly merchants: number;
  readonly customers: number;
  /** interim sign-ups (created after the start) whose ids collide with the backup's */
  readonly signups: readonly number[];
}

const merchantRow = (i: number, name: string, at: string): string =>
  `(${i}, '${name}', 'm${i}@shop.test', '${at}')`;
const customerRow = (i: number, m: number, name: string, at: string): string =>
  `(${i}, ${m}, '${name}', '${at}')`;
const orderRow = (i: number, c: number, at: string): string =>
  `(${i}, ${c}, ${((i * 7.31) % 1000).toFixed(2)}, '${at}')`;

/**
 * Backup: merchants 1..M, customers 1..C (merchant i % M + 1), orders 2i-1 and 2i of customer i.
 * Interim: merchants 1..M/2 (every fifth renamed), customers and orders of the first half, and
 * sign-ups after the start: customers C/2+1 .. C/2+S (colliding with the backup's) of merchant
 * 1, each with one order 2C+k.
 */
export async function makeLiveShop(
  schemas: TestSchemas,
  label: string,
  opts: { merchants?: number; customers?: number; signups?: number } = {},
): Promise<LiveShop> {
  const M = opts.merchants ?? 10;
  const C = opts.customers ?? 100;
  const S = opts.signups ?? 5;
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  const mIds = range(1, M);
  const cIds = range(1, C);
  await sql(
    backup,
    `${LIVE_DDL}
     INSERT INTO merchant VALUES ${mIds.map((i) => merchantRow(i, `merchant ${i}`, BEFORE)).join(',')};
     INSERT INTO customer VALUES ${cIds.map((i) => customerRow(i, (i % M) + 1, `customer ${i}`, BEFORE)).join(',')};
     INSERT INTO orders VALUES ${cIds.flatMap((i) => [orderRow(2 * i - 1, i, BEFORE), orderRow(2 * i, i, BEFORE)]).join(',')};`,
  );
  const hm = range(1, M / 2);
  const hc = cIds.filter((i) => (i % M) + 1 <= M / 2 && i <= C / 2);
  const signups = range(C / 2 + 1, C / 2 + S);
  await sql(
    interim,
    `${LIVE_DDL}
     INSERT INTO merchant VALUES ${hm.map((i) => merchantRow(i, i % 5 === 0 ? `renamed ${i}` : `merchant ${i}`, BEFORE)).join(',')};
     INSERT INTO customer VALUES ${[
       ...hc.map((i) => customerRow(i, (i % M) + 1, `customer ${i}`, BEFORE)),
       ...signups.map((i) => customerRow(i, 1, `signup ${i}`, AFTER)),
     ].join(',')};
     INSERT INTO orders VALUES ${[
       ...hc.flatMap((i) => [orderRow(2 * i - 1, i, BEFORE), orderRow(2 * i, i, BEFORE)]),
       ...signups.map((i, k) => orderRow(2 * C + k + 1, i, AFTER)),
     ].join(',')};`,
  );
  return { backup, interim, merchants: M, customers: C, signups };
}

/** Plans the merge of a live shop in place, into a new folder; returns it and the manifest. */
export async function planLiveShop(
  shop: LiveShop,
  opts: { headroom?: number } = {},
): Promise<{ dir: string; manifest: PlanManifest }> {
  const text =
    opts.headroom === undefined
      ? LIVE_CONFIG
      : LIVE_CONFIG.replace(
          '  createdAt: created_at\n',
          `  createdAt: created_at\n  remapHeadroom: ${opts.headroom}\n`,
        );
  const config = buildPlanConfig(
    parseConfigText(text, 'config.yaml'),
    { backup: urlOf(shop.backup.schema), interim: urlOf(shop.interim.schema) },
    'config.yaml',
  );
  const dir = join(await tempDir('live'), 'plan');
  const r = await runPlan({
    config,
    outDir: dir,
    force: false,
    concurrency: 2,
    logger: silentLogger(),
  });
  return { dir, manifest: r.manifest };
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
}
