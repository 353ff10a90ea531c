import { afterAll, describe, expect, it } from 'vitest';
import { sql, TestSchemas } from '../support/schemas.js';
import type { Loaded } from './plan-fixture.js';
import { planLoaded } from './plan-fixture.js';
import { digestsIn, digestsOf, rowsOf, runPlanSql } from './support.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

async function load(
  label: string,
  backupSql: string,
  interimSql: string,
  configText: string,
): Promise<Loaded & { copy: Awaited<ReturnType<TestSchemas['create']>> }> {
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  const copy = await schemas.create(`${label}_c`);
  await sql(backup, backupSql);
  await sql(interim, interimSql);
  await sql(copy, interimSql);
  return {
    scenario: { name: label, dir: '', backupSql, interimSql, configText, expected: { tables: {} } },
    backup,
    interim,
    copy,
  };
}

describe('plan edge cases', () => {
  it('column names that differ only in case between the sides are one column', async () => {
    const l = await load(
      'case',
      `CREATE TABLE Parent (ID INT AUTO_INCREMENT PRIMARY KEY, Email VARCHAR(50) NOT NULL, Created DATETIME NOT NULL, UNIQUE KEY uk (Email));
       CREATE TABLE kid (id INT PRIMARY KEY, Parent_ID INT NOT NULL, FOREIGN KEY (Parent_ID) REFERENCES Parent (ID));
       INSERT INTO Parent VALUES (1, 'a', '2019-01-01'), (2, 'b', '2019-01-01');
       INSERT INTO kid VALUES (1, 2);`,
      `CREATE TABLE Parent (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(50) NOT NULL, created DATETIME NOT NULL, UNIQUE KEY uk (email));
       CREATE TABLE kid (id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES Parent (id));
       INSERT INTO Parent VALUES (1, 'a', '2019-01-01'), (2, 'c', '2020-03-01');
       INSERT INTO kid VALUES (2, 2);`,
      'incident:\n  start: "2020-01-01T00:00:00Z"\ntables:\n  Parent:\n    createdAt: CREATED\n',
    );
    const { manifest, dir } = await planLoaded(l);
    const parent = manifest.tables.find((t) => t.table === 'Parent');
    expect(parent?.key).toEqual(['id']);
    expect(parent?.counts.collision).toBe(1);
    await runPlanSql(dir, l.copy);
    expect(await digestsOf(l.copy, manifest)).toEqual(digestsIn(manifest, 'digestAfter'));
    expect(await rowsOf(l.copy, 'Parent', ['id', 'email'], ['id'])).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
    expect(await rowsOf(l.copy, 'kid', ['id', 'parent_id'], ['id'])).toEqual([
      ['1', '2'],
      ['2', '3'],
    ]);
  });
});
