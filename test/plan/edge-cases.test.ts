import { afterAll, describe, expect, it } from 'vitest';
import { PreconditionError } from '../../src/errors.js';
import type { Loaded } from '../support/plan-fixture.js';
import { planLoaded } from '../support/plan-fixture.js';
import { digestsIn, digestsOf, rowsOf, runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

interface Fixture {
  scenario: Loaded['scenario'];
  readonly backup: Loaded['backup'];
  readonly interim: Loaded['interim'];
  readonly copy: Loaded['interim'];
}

async function load(
  label: string,
  backupSql: string,
  interimSql: string,
  configText: string,
): Promise<Fixture> {
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
  it('refuses a key from the config that does not identify the rows (NULLs, values held twice)', async () => {
    const ddl = 'CREATE TABLE t (code VARCHAR(8) NULL, v INT NOT NULL);';
    const l = await load(
      'cfgkey',
      `${ddl} INSERT INTO t VALUES ('a', 1), (NULL, 2), ('b', 3);`,
      `${ddl} INSERT INTO t VALUES ('a', 1), ('A', 2), ('b', 3);`,
      'tables:\n  t:\n    key: [code]\n',
    );
    const err = await planLoaded(l).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreconditionError);
    // Plan making names a table of both sources by its name: what `tables.<name>` says.
    expect(err).toMatchObject({ reason: 'cannot-plan', table: 't' });
    expect((err as Error).message).toBe(
      "cannot plan: t: key (code) from the config does not identify the backup's rows (1 rows hold a NULL in it, 0 more hold a value another row holds); t: key (code) from the config does not identify the interim's rows (0 rows hold a NULL in it, 1 more hold a value another row holds)",
    );
  });

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

  it('refuses what it cannot merge, saying what to do, unless the config skips it', async () => {
    const ddl = 'CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL);';
    const l = await load(
      'refuse',
      `${ddl} CREATE TABLE gone (id INT PRIMARY KEY); CREATE TABLE d (id INT PRIMARY KEY);`,
      `${ddl} CREATE TABLE d (id INT PRIMARY KEY, extra INT NULL);`,
      '',
    );
    const err = await planLoaded(l).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionError);
    expect(err).toMatchObject({ reason: 'cannot-plan', table: 'd' });
    expect((err as Error).message).toBe(
      'cannot plan: d: the backup and the interim differ in shape (columns only in the interim: extra): align them, or set tables.d.skip: true; gone: only in the backup: create it in the target, or set tables.gone.skip: true',
    );
    l.scenario = {
      ...l.scenario,
      configText: 'tables:\n  gone: { skip: true }\n  d: { skip: true }\n',
    };
    const { manifest } = await planLoaded(l);
    expect(manifest.skipped).toEqual([
      { table: 'd', reason: 'skip: true in the config' },
      { table: 'gone', reason: 'skip: true in the config' },
    ]);
    expect(manifest.order).toEqual(['t']);
  });

  it('refuses a reference it cannot follow when the rows it points at move', async () => {
    const ddl = `CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY, code INT NOT NULL, created DATETIME NOT NULL,
        UNIQUE KEY uk_code (code), UNIQUE KEY uk_id_code (id, code));
      CREATE TABLE by_code (id INT PRIMARY KEY, p_code INT NOT NULL, FOREIGN KEY (p_code) REFERENCES p (code));
      CREATE TABLE by_both (id INT PRIMARY KEY, p_id INT NOT NULL, p_code INT NOT NULL,
        FOREIGN KEY (p_id, p_code) REFERENCES p (id, code));`;
    const config = 'incident:\n  start: "2020-01-01T00:00:00Z"\ndefaults:\n  createdAt: created\n';
    const rows = (code: number, created: string) =>
      `INSERT INTO p VALUES (1, ${code}, '${created}');`;
    const l = await load(
      'unfollow',
      `${ddl} ${rows(10, '2019-01-01')}`,
      `${ddl} ${rows(11, '2020-03-01')}`,
      config,
    );
    const err = await planLoaded(l).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toBe(
      'cannot follow by_both.(p_id, p_code) (it references p(id, code), not its key (id)), and rows of its parent move',
    );
    // A reference by a unique code alone is untouched by moves: it still finds its row.
    l.scenario = { ...l.scenario, configText: `${config}tables:\n  by_both: { skip: true }\n` };
    const { manifest } = await planLoaded(l);
    expect(manifest.remaps).toMatchObject([{ table: 'p', count: 1, followedBy: [] }]);
  });
});
