import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';
import { sql, TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;

beforeAll(async () => {
  backup = await schemas.create('jrn_b');
  interim = await schemas.create('jrn_i');
  const ddl =
    'CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t VALUES (1, "a"), (2, "b");';
  await sql(backup, ddl);
  // A target that was applied to holds reconcile's journal: it is bookkeeping, not data.
  await sql(
    interim,
    `${ddl} CREATE TABLE _reconcile_journal (seq INT PRIMARY KEY, payload TEXT);
    INSERT INTO _reconcile_journal VALUES (1, 'x');`,
  );
});
afterAll(() => schemas.drop());

describe("reconcile's journal table", () => {
  it('is left out of what diff compares', async () => {
    const doc = await runDiff({
      backup,
      interim,
      tables: null,
      concurrency: 2,
      method: 'auto',
      sampleLimit: 5,
      outDir: null,
      logger: silentLogger(),
    });
    expect(doc.tables.map((t) => t.table)).toEqual(['t']);
    expect(doc.totals.tablesWithDifferences).toBe(0);
  });
});
