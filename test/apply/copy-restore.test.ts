import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchema, dropSchema, runScript } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';
import type { Action, PlanManifest } from '../../src/plan/format.js';
import { loadVerifiedPlan, readActions } from '../../src/plan/plan-files.js';
import { notWarnings, runCli } from '../support/cli.js';
import { schemaDigests } from '../support/plan-builder.js';
import { PrivateServer } from '../support/private-server.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * Rows restored unchanged are described by the plan (copy actions: key ranges, count, sum), not
 * carried; apply copies them from the backup, where it is (INSERT … SELECT) or streamed from
 * another server, and checks what it copied against the plan in the batch's transaction.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
let server: PrivateServer | null = null;
afterAll(async () => {
  await schemas.drop();
  await server?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const DDL = `CREATE TABLE account (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(40) NOT NULL, note JSON NULL,
  balance DECIMAL(12,2) NOT NULL, UNIQUE KEY uk_email (email)) ENGINE=InnoDB;`;
/** 600 accounts (ids 1..400 and 1001..1200); the interim holds every fourth block of 50. */
const BACKUP = `${DDL}
  INSERT INTO account SELECT seq, CONCAT('a', seq, '@x'), CONCAT('{"n": ', seq, ',  "t" : [1, 2.50]}'), seq / 4
    FROM seq_1_to_400;
  INSERT INTO account SELECT seq, CONCAT('a', seq, '@x'), NULL, 1 FROM seq_1001_to_1200;`;
const INTERIM = `${DDL}
  INSERT INTO account SELECT seq, CONCAT('a', seq, '@x'), CONCAT('{"n": ', seq, ',  "t" : [1, 2.50]}'), seq / 4
    FROM seq_1_to_400 WHERE (seq - 1) DIV 50 % 4 = 0;`;

async function actionsOf(dir: string, m: PlanManifest): Promise<Action[]> {
  const t = m.tables[0];
  if (!t) throw new Error('no table');
  const actions: Action[] = [];
  for await (const a of readActions(dir, t.file)) actions.push(a);
  return actions;
}

async function plan(backupUrl: string, interimUrl: string, label: string): Promise<string> {
  const work = await tempDir(label);
  dirs.push(work);
  const dir = join(work, 'plan');
  const r = await runCli(['plan', '--backup', backupUrl, '--interim', interimUrl, '--out', dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('copy actions', () => {
  it('describe the restored rows, copy them server-side, and refuse a backup that changed', async () => {
    const b = await schemas.create('copy_b');
    const i = await schemas.create('copy_i');
    await sql(b, BACKUP);
    await sql(i, INTERIM);
    const dir = await plan(urlOf(b.schema), urlOf(i.schema), 'copy');
    const m = await loadVerifiedPlan(dir);
    expect(m.tables[0]?.digestMethod).toEqual({ kind: 'server', rowHash: 'crc64-var' });
    const acts = await actionsOf(dir, m);
    expect(acts.every((a) => a.op === 'copy')).toBe(true);
    const copies = acts.filter((a) => a.op === 'copy');
    expect(copies.reduce((n, a) => n + a.count, 0)).toBe(500);
    // ranges, not rows: 1001..1200 and the three restored blocks of 1..400
    expect(copies.flatMap((a) => a.ranges)).toEqual([
      ['51', '200'],
      ['251', '400'],
      ['1001', '1200'],
    ]);
    expect(m.tables[0]?.actions.insert).toBe(500);

    // The backup changes after the plan: apply refuses the batch, and writes nothing.
    await sql(b, 'UPDATE account SET balance = balance + 1 WHERE id = 300');
    const before = await schemaDigests(i);
    const refused = await runCli(['apply', '--plan', dir, '--execute', '--json']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.reason).toBe('backup-changed');
    expect(await schemaDigests(i)).toEqual(before);

    await sql(b, 'UPDATE account SET balance = balance - 1 WHERE id = 300');
    const applied = await runCli([
      'apply',
      '--plan',
      dir,
      '--execute',
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout).tables[0]).toMatchObject({ copied: 500, inserted: 0 });
    const v = await runCli(['verify', '--plan', dir]);
    expect(v.code, v.stdout).toBe(0);
    const rb = await runCli(['rollback', '--plan', dir, '--execute', '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await schemaDigests(i)).toEqual(before);
  });

  it.skipIf(!PrivateServer.available())(
    'stream the rows from a backup on another server',
    async () => {
      server = await PrivateServer.start({ name: 'copy' });
      const remote = parseDbUrl(`${server.url}/rc_copy_remote`, 'test');
      await createSchema(remote, true);
      try {
        await runScript(remote, BACKUP);
        const i = await schemas.create('copyr_i');
        await sql(i, INTERIM);
        const dir = await plan(`${server.url}/rc_copy_remote`, urlOf(i.schema), 'copyr');
        const applied = await runCli([
          'apply',
          '--plan',
          dir,
          '--execute',
          '--json',
          '--log-level',
          'warn',
        ]);
        expect(notWarnings(applied.stderr)).toEqual([]);
        expect(applied.code).toBe(0);
        const t = JSON.parse(applied.stdout).tables[0];
        expect(t).toMatchObject({ copied: 500, inserted: 0 });
        expect(t.copyNote).toMatch(/streamed/);
        expect((await runCli(['verify', '--plan', dir])).code).toBe(0);
      } finally {
        await dropSchema(remote);
      }
    },
  );
});
