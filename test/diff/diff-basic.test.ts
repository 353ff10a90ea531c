import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';
import { sql, TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;

const DDL = `CREATE TABLE customer (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(50), UNIQUE KEY uk_email (email));`;

beforeAll(async () => {
  backup = await schemas.create('basic_b');
  interim = await schemas.create('basic_i');
  const rows = Array.from(
    { length: 3000 },
    (_, i) => `(${i + 1}, 'c${i + 1}@x.io', 'name ${i + 1}')`,
  );
  await sql(backup, `${DDL} INSERT INTO customer VALUES ${rows.join(',')};`);
  await sql(
    interim,
    `${DDL} INSERT INTO customer VALUES ${rows.join(',')};
     UPDATE customer SET name = 'renamed' WHERE id IN (7, 1500);
     DELETE FROM customer WHERE id IN (3, 2999);
     INSERT INTO customer VALUES (5000, 'new@x.io', 'new'), (5001, 'new2@x.io', NULL);`,
  );
});
afterAll(() => schemas.drop());

describe('diff of two schemas', () => {
  it('classifies every key, with small chunks spread over many workers', async () => {
    const doc = await runDiff({
      backup,
      interim,
      tables: null,
      concurrency: 3,
      method: 'client',
      sampleLimit: 10,
      outDir: null,
      logger: silentLogger(),
      chunkRows: 100,
    });
    expect(doc.tables[0]?.chunks).toBeGreaterThan(25);
    const t = doc.tables.find((x) => x.table === 'customer');
    expect(t).toMatchObject({ identical: 2996, changed: 2, onlyBackup: 2, onlyInterim: 2 });
    expect(t?.changedColumns).toEqual({ name: 2 });
    expect(t?.samples.changed.map((s) => s.key)).toEqual([{ id: '7' }, { id: '1500' }]);
    expect(t?.samples.onlyBackup).toEqual([{ key: { id: '3' } }, { key: { id: '2999' } }]);
    expect(doc.totals).toMatchObject({
      changed: 2,
      onlyBackup: 2,
      onlyInterim: 2,
      tablesWithDifferences: 1,
    });
  });
});
