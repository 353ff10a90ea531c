import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlanConfig } from '../../src/config/load-config.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { fixtureText } from '../support/init-fixture.js';
import { rowsOf } from '../support/plan-sql.js';
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
let configFile: string;
let expected: Record<string, ExpectedTable>;
let applied = false;

beforeAll(async () => {
  backup = await schemas.create('jsonids_b');
  interim = await schemas.create('jsonids_i');
  await sql(backup, await fixtureText('json-ids', 'backup.sql'));
  await sql(interim, await fixtureText('json-ids', 'interim.sql'));
  expected = (
    JSON.parse(await fixtureText('json-ids', 'expected.json')) as {
      tables: Record<string, ExpectedTable>;
    }
  ).tables;
  work = await tempDir('init-json');
  configFile = join(work, 'reconcile.yaml');
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
    const dir = join(work, 'plan');
    const steps = [
      ['plan', '--config', configFile, '--out', dir],
      ['apply', '--plan', dir, '--execute'],
      ['verify', '--plan', dir],
    ];
    for (const step of steps) {
      const r = await runCli([...step, ...quiet]);
      // plan warns (plan.warning) about remapped ids no reference follows; nothing else is said.
      expect(withoutWarnings(r.stderr), step.join(' ')).toBe('');
      expect(r.code, `${step.join(' ')}\n${r.stdout}`).toBe(0);
    }
    applied = true;
    for (const [table, e] of Object.entries(expected)) {
      expect(await rowsOf(interim, table, e.columns, ['id']), table).toEqual(e.rows);
    }
  });

  // Pending: the plan stage does not rewrite references inside documents yet (the config
  // carries them as jsonReferences). When it does, this test fails: make it an `it`.
  it.fails('the ids inside the documents follow the remap', async (ctx) => {
    if (!applied) ctx.skip('apply did not run');
    for (const [table, e] of Object.entries(expected)) {
      if (!e.documents) continue;
      expect(await documents(interim, table, e.documents.column), table).toMatchObject(
        e.documents.byId,
      );
    }
  });
});

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

/** stderr without plan's warning lines (JSON log lines with event plan.warning). */
function withoutWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !l.includes('"event":"plan.warning"'))
    .join('\n');
}
