import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/verify-plan.js';
import { runCli } from '../support/cli.js';
import { buildPlan } from '../support/plan-builder.js';
import { planByCli } from '../support/plan-fixture.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const quiet = ['--log-level', 'warn'];

const memberRows = (ids: number[]) =>
  ids.map((i) => `(${i}, 'm${i}@x', 'n${i}', '2020-01-01 00:00:00')`).join(', ');

// member: 1..5 identical, 6 edited (onChanged prefer-backup: an update), 7 a new interim row
// reusing the id (moved to a fresh id: an update that changes the key; the backup's 7 copied),
// 8..40 restored (copied, as ranges), 51 an interim row holding 34's email (prefer-interim: the
// backup's 34 merges into it). note: the backup's note on member 34 follows it to 51 (an insert
// with its row), the other is copied. tag: the interim's 2 holds the backup's 1's label
// (prefer-backup: 2 is deleted).
const BACKUP = `
CREATE TABLE member (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(40) NOT NULL UNIQUE, name VARCHAR(40) NOT NULL, created_at DATETIME NOT NULL) ENGINE=InnoDB;
INSERT INTO member VALUES ${memberRows(Array.from({ length: 40 }, (_, i) => i + 1))};
CREATE TABLE note (id INT PRIMARY KEY, member_id INT NOT NULL, body VARCHAR(20) NOT NULL, FOREIGN KEY (member_id) REFERENCES member (id)) ENGINE=InnoDB;
INSERT INTO note VALUES (1, 34, 'on 34'), (2, 20, 'on 20');
CREATE TABLE tag (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL UNIQUE, created_at DATETIME NOT NULL) ENGINE=InnoDB;
INSERT INTO tag VALUES (1, 'red', '2020-01-01 00:00:00'), (3, 'blue', '2020-01-01 00:00:00');
`;
const INTERIM = `
CREATE TABLE member (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(40) NOT NULL UNIQUE, name VARCHAR(40) NOT NULL, created_at DATETIME NOT NULL) ENGINE=InnoDB;
INSERT INTO member VALUES ${memberRows([1, 2, 3, 4, 5])},
  (6, 'm6@x', 'edited', '2020-01-01 00:00:00'), (7, 'new7@x', 'new', '2020-02-24 00:00:00'),
  (51, 'm34@x', 'again', '2020-02-25 00:00:00');
CREATE TABLE note (id INT PRIMARY KEY, member_id INT NOT NULL, body VARCHAR(20) NOT NULL, FOREIGN KEY (member_id) REFERENCES member (id)) ENGINE=InnoDB;
CREATE TABLE tag (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL UNIQUE, created_at DATETIME NOT NULL) ENGINE=InnoDB;
INSERT INTO tag VALUES (2, 'red', '2020-02-24 00:00:00');
`;
const CONFIG = `
incident:
  start: "2020-02-23T19:00:00+08:00"
defaults:
  createdAt: created_at
tables:
  member:
    onChanged: prefer-backup
    onUniqueConflict: prefer-interim
  tag:
    onUniqueConflict: prefer-backup
`;

type Verdict = VerifyReport['tables'][number];

function keysOf(v: Verdict | undefined): [string, string][] {
  // In the order found: row actions are looked up in batches, restored rows as they come.
  return (v?.keys?.listed ?? [])
    .map((k): [string, string] => [JSON.stringify(k.key ?? k.range), k.problem])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe('verify names the keys that differ', () => {
  it('after an applied plan is tampered with: the updated, inserted, deleted and restored rows changed, each named', async () => {
    const backup = await schemas.create('mkb');
    const target = await schemas.create('mki');
    await sql(backup, BACKUP);
    await sql(target, INTERIM);
    const work = await tempDir('mk');
    dirs.push(work);
    const { dir, result: planned } = await planByCli(work, CONFIG, backup, target, ...quiet);
    expect(planned.code, planned.stderr).toBe(0);
    const applied = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(applied.code, applied.stderr).toBe(0);

    // A clean target: nothing to name, and nothing read key by key.
    const clean = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(clean.code).toBe(0);
    const ok = JSON.parse(clean.stdout) as VerifyReport;
    expect(Object.fromEntries(ok.tables.map((t) => [t.table, t.keys]))).toEqual({
      member: null,
      note: null,
      tag: null,
    });

    await sql(
      target,
      `SET FOREIGN_KEY_CHECKS = 0;
       UPDATE member SET name = 'tampered' WHERE id = 6;
       DELETE FROM note WHERE id = 1;
       INSERT INTO tag VALUES (2, 'crimson', '2020-03-01 00:00:00');
       UPDATE member SET name = 'changed' WHERE id = 20;
       DELETE FROM member WHERE id = 25;`,
    );
    const r = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as VerifyReport;
    const by = Object.fromEntries(doc.tables.map((t) => [t.table, t]));
    expect(keysOf(by.member)).toEqual([
      ['{"id":"20"}', 'differs'],
      ['{"id":"25"}', 'missing'],
      ['{"id":"6"}', 'differs'],
    ]);
    expect(by.member?.keys?.found).toBe(3);
    expect(keysOf(by.note)).toEqual([['{"id":"1"}', 'missing']]);
    expect(keysOf(by.tag)).toEqual([['{"id":"2"}', 'still-present']]);
    for (const t of ['member', 'note', 'tag']) expect(by[t]?.keys?.note).toBeNull();

    const text = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('keys that differ from the plan: 3\n');
    expect(text.stdout).toMatch(/^ {4}id=6: differs \(the row at this key is not the one/m);
    expect(text.stdout).toMatch(/^ {4}id=20: differs \(a row the plan restored from the backup/m);
    expect(text.stdout).toMatch(/^ {4}id=25: missing \(/m);
    expect(text.stdout).toMatch(/^ {4}id=2: still-present \(the plan deletes this row/m);
    // verify leaves them in verification.json, and the report shows them.
    const report = await runCli(['report', '--plan', dir, ...quiet]);
    expect(report.stdout).toContain('member: 3 keys differ from the plan:');
    expect(report.stdout).toContain('- `id=25: missing (');
  });

  it('the old key of a moved row must be empty; a table without a key says it cannot name rows', async () => {
    const t = await schemas.create('mkm');
    await sql(
      t,
      `CREATE TABLE acct (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL) ENGINE=InnoDB;
       INSERT INTO acct VALUES (1, 'a'), (2, 'b'), (3, 'c');
       CREATE TABLE log (msg VARCHAR(20) NOT NULL) ENGINE=InnoDB;
       INSERT INTO log VALUES ('x');`,
    );
    const dir = join(await tempDir('mkm'), 'plan');
    dirs.push(dir);
    await buildPlan({
      dir,
      backup: t,
      interim: t,
      tables: [
        {
          table: 'acct',
          actions: [{ op: 'update', key: { id: '3' }, row: { id: '99', name: 'c' } }],
        },
        { table: 'log', actions: [{ op: 'insert', row: { msg: 'y' } }] },
      ],
    });
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    await sql(t, "INSERT INTO acct VALUES (3, 'back'); INSERT INTO log VALUES ('z');");
    const r = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(r.code).toBe(1);
    const by = Object.fromEntries(
      (JSON.parse(r.stdout) as VerifyReport).tables.map((v) => [v.table, v]),
    );
    expect(by.acct?.keys?.listed).toMatchObject([
      {
        key: { id: '3' },
        problem: 'still-present',
        detail: 'the plan moves this row to {"id":"99"}; the target still holds a row here',
      },
    ]);
    expect(by.log?.keys).toMatchObject({
      listed: [],
      note: 'the table has no key: its rows cannot be named one by one',
    });
  });
});
