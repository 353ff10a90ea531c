import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlanConfig } from '../../src/config/load-config.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { notWarnings, runCli } from '../support/cli.js';
import { fixtureText } from '../support/init-fixture.js';
import { rowsOf, runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * A remap whose references live only in undeclared columns and inside JSON documents: with the
 * config `reconcile init` writes, unedited, plan → apply → verify must give the hand-built
 * merge in fixtures/json-ids/expected.json.
 */
interface ExpectedTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
  readonly documents?: { readonly column: string; readonly byId: Record<string, unknown> };
}

const schemas = new TestSchemas();
const quiet = ['--log-level', 'warn'];
let work: string;
let backup: DbTarget;
let interim: DbTarget;
/** a second copy of the interim, merged by plan.sql through the mariadb client */
let byHand: DbTarget;
let configFile: string;
let planDir: string;
let expected: Record<string, ExpectedTable>;
let applied = false;

beforeAll(async () => {
  backup = await schemas.create('jsonids_b');
  interim = await schemas.create('jsonids_i');
  await sql(backup, await fixtureText('json-ids', 'backup.sql'));
  await sql(interim, await fixtureText('json-ids', 'interim.sql'));
  byHand = await schemas.create('jsonids_h');
  await sql(byHand, await fixtureText('json-ids', 'interim.sql'));
  expected = (
    JSON.parse(await fixtureText('json-ids', 'expected.json')) as {
      tables: Record<string, ExpectedTable>;
    }
  ).tables;
  work = await tempDir('init-json');
  configFile = join(work, 'reconcile.yaml');
  planDir = join(work, 'plan');
  const r = await runCli([
    'init',
    '--backup',
    urlOf(backup.schema),
    '--interim',
    urlOf(interim.schema),
    '--incident-start',
    '2020-02-23T19:00:00+08:00',
    '--out',
    configFile,
    ...quiet,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await schemas.drop();
  await rm(work, { recursive: true, force: true });
});

describe('init on references held only in undeclared columns and JSON documents', () => {
  it('writes a config the real loader accepts, naming each of them', async () => {
    const c = await loadPlanConfig(configFile, {}, {});
    expect(c.backup.schema).toBe(backup.schema);
    expect(c.incident?.iso).toBe('2020-02-23T19:00:00+08:00');
    const t = c.tables;
    expect(Object.keys(t).sort()).toEqual(['events', 'merchant', 'orders']);
    expect([t.merchant?.createdAt, t.orders?.createdAt, t.events?.createdAt]).toEqual([
      'created_at',
      'created_at',
      'created_at',
    ]);
    expect(t.orders?.references).toEqual([
      { column: 'merchant_id', table: 'merchant', refColumn: 'id' },
    ]);
    const json = (name: string) =>
      t[name]?.jsonReferences.map((r) => `${r.column}${r.path} -> ${r.table}.${r.refColumn}`);
    // qty and coupon_id are integers in the same documents, and name no table.
    expect(json('orders')).toEqual([
      'extra$.merchant_id -> merchant.id',
      'extra$.referred_by.merchant_id -> merchant.id',
    ]);
    expect(json('events')).toEqual(['payload$.order_id -> orders.id']);
  });

  it('plan → apply → verify with that config gives the expected rows', async () => {
    const dir = planDir;
    const steps = [
      ['plan', '--config', configFile, '--out', dir],
      ['apply', '--plan', dir, '--execute'],
      ['verify', '--plan', dir],
    ];
    for (const step of steps) {
      const r = await runCli([...step, ...quiet]);
      expect(notWarnings(r.stderr), step.join(' ')).toEqual([]);
      expect(r.code, `${step.join(' ')}\n${r.stdout}`).toBe(0);
    }
    applied = true;
    for (const [table, e] of Object.entries(expected)) {
      expect(await rowsOf(interim, table, e.columns, ['id']), table).toEqual(e.rows);
    }
  });

  it('the ids inside the documents follow the remap, every other byte of them kept', async (ctx) => {
    if (!applied) ctx.skip('apply did not run');
    // The moved order 7 (now 11): only its merchant id changes, spaces and key order stay.
    const c = await connect(interim);
    try {
      const text = await c.rawRows(
        `SELECT extra FROM ${quoteTable(interim.schema, 'orders')} WHERE id IN (11, 12) ORDER BY id`,
      );
      expect(text.map((r) => r[0]?.toString())).toEqual([
        '{"merchant_id": 6, "channel": "app", "qty": 2, "coupon_id": 99, "referred_by": {"merchant_id": 1}}',
        '{"merchant_id": 7, "channel": "web", "qty": 1, "coupon_id": 98, "referred_by": {"merchant_id": 6}}',
      ]);
    } finally {
      await c.close();
    }
    for (const [table, e] of Object.entries(expected)) {
      if (!e.documents) continue;
      expect(await documents(interim, table, e.documents.column), table).toMatchObject(
        e.documents.byId,
      );
    }
  });
});

describe('the rewrite inside the documents, as plan.sql and the report show it', () => {
  it('plan.sql rewrites each document in an UPDATE whose comment names the path it follows', async (ctx) => {
    if (!applied) ctx.skip('plan did not run');
    // Every id the remaps move is followed, in columns and documents: nothing to warn about.
    const manifest = JSON.parse(await readFile(join(planDir, 'plan.json'), 'utf8')) as PlanManifest;
    expect(manifest.tables.flatMap((t) => t.warnings)).toEqual([]);
    const text = await readFile(join(planDir, 'plan.sql'), 'utf8');
    const lines = text.split('\n');
    // The moved order 7 → 11: its merchant 4 → 6 in the column and in the document.
    const moved = lines.findIndex(
      (l) => l.startsWith('UPDATE `orders` SET `extra` = ') && l.endsWith('WHERE `id` = 7;'),
    );
    expect(lines[moved]).toBe(
      'UPDATE `orders` SET `extra` = \'{"merchant_id": 6, "channel": "app", "qty": 2, "coupon_id": 99, "referred_by": {"merchant_id": 1}}\', `id` = 11, `merchant_id` = 6 WHERE `id` = 7;',
    );
    expect(lines[moved - 1]).toMatch(
      /^-- update: .*; follows orders\.extra\$\.merchant_id, orders\.merchant_id$/,
    );
    // Order 8 → 12 names the moved merchant twice: as its own and as its referrer.
    expect(text).toContain(
      'follows orders.extra$.merchant_id, orders.extra$.referred_by.merchant_id, orders.merchant_id\nUPDATE `orders` SET `extra` = \'{"merchant_id": 7, "channel": "web", "qty": 1, "coupon_id": 98, "referred_by": {"merchant_id": 6}}\', `id` = 12, `merchant_id` = 7 WHERE `id` = 8;',
    );
    expect(text).toContain(
      '-- update: onlyInterim=keep; follows events.payload$.order_id\nUPDATE `events` SET `payload` = \'{"order_id": 11, "attempt": 1}\' WHERE `id` = 11;',
    );
  });

  it('plan.sql run by the mariadb client on a copy of the interim gives what apply gave', async (ctx) => {
    if (!applied) ctx.skip('apply did not run');
    await runPlanSql(planDir, byHand);
    for (const table of ['merchant', 'orders', 'events']) {
      // Every column as the server prints it: the documents' text byte for byte.
      expect(await textRows(byHand, table), table).toEqual(await textRows(interim, table));
    }
  });

  it('the report names the paths inside the documents among the columns that follow each remap', async (ctx) => {
    if (!applied) ctx.skip('plan did not run');
    const md = join(work, 'report.md');
    const r = await runCli(['report', '--plan', planDir, '--markdown', md, ...quiet]);
    expect(r.code, r.stderr).toBe(0);
    const lines = (await readFile(md, 'utf8')).split('\n');
    expect(lines).toContain(
      '| merchant.id | interim | 2 | 6 … 7 | orders.extra$.merchant\\_id, orders.extra$.referred\\_by.merchant\\_id, orders.merchant\\_id |',
    );
    expect(lines).toContain('| orders.id | interim | 2 | 11 … 12 | events.payload$.order\\_id |');
  });
});

/** Every row of a table, every column as the server's text, in key order. */
async function textRows(t: DbTarget, table: string): Promise<(string | null)[][]> {
  const c = await connect(t);
  try {
    const rows = await c.rawRows(`SELECT * FROM ${quoteTable(t.schema, table)} ORDER BY id`);
    return rows.map((r) => r.map((v) => (v === null ? null : v.toString('utf8'))));
  } finally {
    await c.close();
  }
}

/** A JSON column's documents by id, parsed (MariaDB keeps the text, MySQL its own form). */
async function documents(t: DbTarget, table: string, column: string) {
  const c = await connect(t);
  try {
    const rows = await c.rawRows(
      `SELECT id, CAST(${quoteId(column)} AS CHAR) FROM ${quoteTable(t.schema, table)} ORDER BY id`,
    );
    return Object.fromEntries(
      rows.map((r) => [String(r[0] ?? ''), JSON.parse(String(r[1] ?? 'null')) as unknown]),
    );
  } finally {
    await c.close();
  }
}
