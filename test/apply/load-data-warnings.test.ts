import { afterAll, describe, expect, it } from 'vitest';
import { type CopyAction, restoreRun } from '../../src/apply/restore-run.js';
import { connect } from '../../src/db/mysql.js';
import { rowDigestHasher } from '../../src/diff/table-digest.js';
import { loadHash64 } from '../../src/hash/xxhash.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import { mustGet } from '../../src/must.js';
import type { TableShape } from '../../src/sql/statements.js';
import { sql, TestSchemas, target } from '../support/schemas.js';

/**
 * LOAD DATA LOCAL turns what an INSERT refuses (a value too long, a duplicate key) into a
 * warning and goes on. A restore that raised one did not write the backup's rows exactly: the
 * batch fails (and its transaction is rolled back by the caller) instead of passing its check,
 * which hashes the rows read from the backup, not the rows stored.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

async function attempt(targetDdl: string): Promise<{ error: unknown; rows: number }> {
  const b = await schemas.create('ldw_b');
  const t = await schemas.create('ldw_t');
  await sql(
    b,
    `CREATE TABLE item (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL);
     INSERT INTO item SELECT seq, CONCAT('a long label for item ', seq) FROM seq_1_to_50;`,
  );
  await sql(t, targetDdl);
  const backup = await connect(target(b.schema));
  const conn = await connect(target(t.schema));
  try {
    const info = mustGet((await introspectSchema(conn, t.schema)).tables, 'item', 'table');
    const shape: TableShape = {
      schema: t.schema,
      name: 'item',
      columns: info.columns,
      key: info.columns.filter((c) => c.name === 'id'),
      flavor: conn.server.flavor,
    };
    const method = { kind: 'client', reason: 'test' } as const;
    const run: CopyAction[] = [
      { op: 'copy', rule: 'test', ranges: [['1', '50']], keys: [], count: 50, sum: '0'.repeat(16) },
    ];
    const source = { kind: 'stream', session: backup, schema: b.schema, load: true } as const;
    await conn.execute('START TRANSACTION');
    let error: unknown = null;
    try {
      await restoreRun(
        conn,
        shape,
        source,
        { method, hasher: rowDigestHasher(info, method, await loadHash64()) },
        run,
        7,
      );
    } catch (e) {
      error = e;
    }
    await conn.execute('ROLLBACK');
    const rows = await conn.rawRows('SELECT COUNT(*) FROM item');
    return { error, rows: Number(rows[0]?.[0]?.toString()) };
  } finally {
    await backup.close();
    await conn.close();
  }
}

describe('a restore by LOAD DATA LOCAL', () => {
  it('fails the batch when the server truncated a value (a warning, not an error, with LOCAL)', async () => {
    const r = await attempt('CREATE TABLE item (id INT PRIMARY KEY, label VARCHAR(8) NOT NULL);');
    expect(String(r.error)).toMatch(
      /batch 7: LOAD DATA wrote 50 of 50 rows with 50 warnings \(.*label.*\); batch rolled back/,
    );
    expect(r.rows).toBe(0);
  });

  it('fails the batch when the server skipped a duplicate key', async () => {
    const r = await attempt(
      `CREATE TABLE item (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL);
       INSERT INTO item VALUES (7, 'already here');`,
    );
    expect(String(r.error)).toMatch(/LOAD DATA wrote 49 of 50 rows with 1 warnings/);
    expect(r.rows).toBe(1);
  });

  it('passes the rows on to the digest check when every row was stored', async () => {
    const r = await attempt('CREATE TABLE item (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL);');
    // the run's sum is made up: the check after the load is what refuses it
    expect(String(r.error)).toMatch(/not the rows the plan saw \(50 copied/);
    expect(r.rows).toBe(0);
  });
});
