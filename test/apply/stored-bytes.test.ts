import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { quoteTable } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { planByCli } from '../support/plan-fixture.js';
import { runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * Apply writes exactly what it means to: a row it restores or rewrites carries the stored bytes
 * of every column it does not change (JSON text as stored, spaces, key order and `2561.0`
 * included; DOUBLE, DECIMAL, BLOB, text with trailing spaces), and an update writes only the
 * columns whose value changes. Checked byte for byte against the backup with HEX() (and <=> for
 * DOUBLE, whose HEX() is its integer part).
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const DDL = `
CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, created_at DATETIME NOT NULL) ENGINE=InnoDB;
CREATE TABLE doc (
  id INT AUTO_INCREMENT PRIMARY KEY,
  parent_id INT NOT NULL,
  j JSON NULL,
  d DOUBLE NULL,
  x DECIMAL(12,4) NULL,
  b BLOB NULL,
  t VARCHAR(20) NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_doc_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
) ENGINE=InnoDB;
CREATE TABLE logline (j JSON NULL, t VARCHAR(20) NULL) ENGINE=InnoDB;`;

const DOC_ROWS = `
INSERT INTO doc VALUES
  (1, 1, '{"b": 2561.0,  "a" :1, "z": [1, 2.50]}', 0.1, 1.5000, X'00FF27', 'pad  ', '2020-01-01 00:00:00'),
  (2, 2, '{ "merchant" : {"id": 7} , "n": 1e2 }', 1e300, -0.0001, X'', 'x ', '2020-01-02 00:00:00'),
  (3, 2, '[ ]', NULL, NULL, NULL, ' lead', '2020-01-03 00:00:00');`;

async function hexRows(t: DbTarget, table: string, columns: readonly string[]): Promise<string[]> {
  const c = await connect(t);
  try {
    const hex = columns.map((col) => `IFNULL(HEX(${col}), 'NULL')`).join(', ');
    const rows = await c.rawRows(
      `SELECT CONCAT_WS('|', ${hex}) FROM ${quoteTable(t.schema, table)} ORDER BY 1`,
    );
    return rows.map((r) => r[0]?.toString() ?? '');
  } finally {
    await c.close();
  }
}

describe('apply writes the stored bytes of what it does not change', () => {
  it('restored, rewritten and keyless rows keep every column as the backup stores it', async () => {
    const backup = await schemas.create('bytes_b');
    const interim = await schemas.create('bytes_i');
    await sql(
      backup,
      `${DDL}
      INSERT INTO parent VALUES (1, 'Ann', '2020-01-01 00:00:00'), (2, 'Bob', '2020-01-02 00:00:00');
      ${DOC_ROWS}
      INSERT INTO logline VALUES ('{"k" :  "v", "n": 2561.0}', 'end  '), ('{"k" :  "v", "n": 2561.0}', 'end  ');`,
    );
    // The interim: parent 2 reused by a sign-up after the incident (remap: backup moves Bob, so
    // the backup's doc rows 2 and 3 are rewritten to follow him), nothing else restored.
    await sql(
      interim,
      `${DDL}
      INSERT INTO parent VALUES (1, 'Ann', '2020-01-01 00:00:00'), (2, 'Zed', '2020-03-01 00:00:00');`,
    );
    const work = await tempDir('bytes');
    dirs.push(work);
    const quiet = ['--log-level', 'error'];
    const { dir, result: planned } = await planByCli(
      work,
      'incident:\n  start: "2020-02-23T19:00:00+00:00"\ndefaults:\n  createdAt: created_at\n  remap: backup\n',
      backup,
      interim,
      ...quiet,
    );
    expect(planned.code, planned.stderr).toBe(0);
    const applied = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);

    // doc: every row the backup has, its stored bytes exactly (rows 2 and 3 now point at Bob's
    // new id, 3, which is the only column that changes).
    const docCols = ['id', 'j', 'x', 'b', 't', 'created_at'];
    expect(await hexRows(interim, 'doc', docCols)).toEqual(await hexRows(backup, 'doc', docCols));
    const c = await connect(interim);
    try {
      const bad = await c.rawRows(
        `SELECT COUNT(*) FROM ${quoteTable(interim.schema, 'doc')} i JOIN ${quoteTable(backup.schema, 'doc')} b ON b.id = i.id WHERE NOT (i.d <=> b.d)`,
      );
      expect(bad[0]?.[0]?.toString()).toBe('0');
      const moved = await c.rawRows(
        `SELECT id, parent_id FROM ${quoteTable(interim.schema, 'doc')} ORDER BY id`,
      );
      expect(moved.map((r) => r.map((v) => v?.toString()))).toEqual([
        ['1', '1'],
        ['2', '3'],
        ['3', '3'],
      ]);
    } finally {
      await c.close();
    }
    // logline has no key: restored copies as stored too.
    const logCols = ['j', 't'];
    expect(await hexRows(interim, 'logline', logCols)).toEqual(
      await hexRows(backup, 'logline', logCols),
    );
  });

  it('updates (a row moved by a remap, an edit taken from the backup) write only what changes: every other column keeps its stored bytes, by apply and by plan.sql alike', async () => {
    const ddl = `CREATE TABLE note (
      id INT AUTO_INCREMENT PRIMARY KEY, j JSON NULL, d DOUBLE NULL, x DECIMAL(12,4) NULL,
      b BLOB NULL, t VARCHAR(20) NULL, created_at DATETIME NOT NULL) ENGINE=InnoDB;`;
    const backup = await schemas.create('upd_b');
    const interim = await schemas.create('upd_i');
    const copy = await schemas.create('upd_c');
    await sql(
      backup,
      `${ddl} INSERT INTO note VALUES
        (1, '{"b": 2561.0,  "a" :1}', 0.1, 1.5000, X'00FF27', 'pad  ', '2020-01-01 00:00:00'),
        (2, '{ "n" : 1e2 }', 1e300, -0.0001, X'', 'x ', '2020-01-02 00:00:00'),
        (3, '[ ]', NULL, NULL, NULL, ' lead', '2020-01-03 00:00:00');`,
    );
    // 1: edited during the incident (prefer-backup: the backup's j and t are written back);
    // 2: a new row reusing id 2 (remap: interim moves it to a fresh id, 4); 3: not restored yet.
    const interimRows = `${ddl} INSERT INTO note VALUES
        (1, '{"b": 1}', 0.1, 1.5000, X'00FF27', 'edited', '2020-01-01 00:00:00'),
        (2, '{"a" :  2561.0 ,"k":[1,  2.50]}', 2.5e-3, 12.3400, X'0001FF', 'tail   ', '2020-03-01 00:00:00');`;
    await sql(interim, interimRows);
    await sql(copy, interimRows);
    const cols = ['j', 'x', 'b', 't', 'created_at'];
    const movedBefore = await hexRows(interim, 'note', cols).then((r) =>
      r.filter((x) => x.endsWith(Buffer.from('2020-03-01 00:00:00').toString('hex').toUpperCase())),
    );
    expect(movedBefore).toHaveLength(1);

    const work = await tempDir('upd');
    dirs.push(work);
    const quiet = ['--log-level', 'error'];
    const { dir, result: planned } = await planByCli(
      work,
      'incident:\n  start: "2020-02-23T19:00:00+00:00"\ndefaults:\n  createdAt: created_at\n  onChanged: prefer-backup\n',
      backup,
      interim,
      '--json',
      ...quiet,
    );
    expect(planned.code, planned.stderr).toBe(0);
    const note = (
      JSON.parse(planned.stdout) as { tables: { table: string; actions: Record<string, number> }[] }
    ).tables.find((t) => t.table === 'note');
    // Two updates (the edit, the move), two restored rows (the backup's 2, and 3).
    expect(note?.actions).toMatchObject({ update: 2, insert: 2, delete: 0 });
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);
    await runPlanSql(dir, copy);

    const want = [
      ...(await hexRows(backup, 'note', ['id', ...cols])),
      ...movedBefore.map((r) => `4|${r}`),
    ].sort();
    for (const target of [interim, copy]) {
      // Rows 1..3 hold the backup's bytes; row 4 the moved row's, as it was.
      expect(await hexRows(target, 'note', ['id', ...cols]), target.schema).toEqual(want);
      const c = await connect(target);
      try {
        const same = await c.rawRows(
          `SELECT COUNT(*) FROM ${quoteTable(target.schema, 'note')} i JOIN ${quoteTable(backup.schema, 'note')} b ON b.id = i.id WHERE i.d <=> b.d`,
        );
        expect(same[0]?.[0]?.toString()).toBe('3');
        const moved = await c.rawRows(
          `SELECT d = 2.5e-3 FROM ${quoteTable(target.schema, 'note')} WHERE id = 4`,
        );
        expect(moved[0]?.[0]?.toString()).toBe('1');
      } finally {
        await c.close();
      }
    }
  });
});
