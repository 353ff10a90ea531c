import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { runCli } from '../support/cli.js';
import { loadInto } from '../support/plan-fixture.js';
import { serverUrl, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

const schemas = new TestSchemas();
const users: string[] = [];
afterAll(async () => {
  await schemas.drop();
  const c = await connect(parseDbUrl(`${serverUrl()}/mysql`, 'admin'), { noSchema: true });
  for (const u of users) await c.execute(`DROP USER IF EXISTS '${u}'@'%'`);
  await c.close();
});

describe('reconcile plan (command line)', () => {
  it('rejects a malformed config before connecting: exit 2, one line with every problem and its path', async () => {
    const dir = await tempDir('cli');
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'defaults:\n  onChanged: sometimes\ntables:\n  t:\n    skip: 1\n');
    // The URLs point at a port where nothing listens: validation must come first.
    const r = await runCli([
      'plan',
      '--config',
      file,
      '--backup',
      'mysql://u@127.0.0.1:1/b',
      '--interim',
      'mysql://u@127.0.0.1:1/i',
      '--out',
      join(dir, 'p'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `reconcile: ${file}: defaults.onChanged: expected one of prefer-interim|prefer-backup|newest|manual, got "sometimes"; tables.t.skip: expected true or false, got 1`,
    ]);
    expect(r.stdout).toBe('');
  });

  it('names config mistakes only the schema can reveal (exit 2), and refuses a non-empty --out', async () => {
    const l = await loadInto(schemas, 'collisions-chain', 'cli');
    const dir = await tempDir('cli');
    const file = join(dir, 'c.yaml');
    await writeFile(
      file,
      'tables:\n  nope:\n    skip: true\n  rental:\n    updatedAt: changed_at\n    references: { film: movie.id }\n',
    );
    const base = ['plan', '--backup', urlOf(l.backup.schema), '--interim', urlOf(l.interim.schema)];
    const r = await runCli([...base, '--config', file, '--out', join(dir, 'p')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tables.nope: no table "nope" in the backup or the interim');
    expect(r.stderr).toContain('tables.rental.updatedAt: no column "changed_at" in rental');
    expect(r.stderr).toContain('tables.rental.references.film: no table "movie" on both sides');

    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'x'), 'x');
    const full = await runCli([...base, '--out', join(dir, 'full')]);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/--out .*full: the folder is not empty/);
    const noOut = await runCli(base);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out DIR is required');
  });

  it('cannot connect: exit 3, one line, no password', async () => {
    const dir = await tempDir('cli');
    const r = await runCli([
      'plan',
      '--backup',
      'mysql://u:hunter2pw@127.0.0.1:1/b',
      '--interim',
      'mysql://u:hunter2pw@127.0.0.1:1/i',
      '--out',
      join(dir, 'p'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('hunter2pw');
  });

  it('writes the plan with a password in the URLs, and the password appears nowhere', async () => {
    const l = await loadInto(schemas, 'collisions-chain', 'pw');
    const user = `rc_pw_${Date.now() % 1e8}`;
    const password = `Sekr1t-${user}-pw`;
    users.push(user);
    const admin = await connect(parseDbUrl(`${serverUrl()}/mysql`, 'admin'), { noSchema: true });
    await admin.execute(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    for (const s of [l.backup.schema, l.interim.schema])
      await admin.execute(`GRANT SELECT ON \`${s}\`.* TO '${user}'@'%'`);
    await admin.close();
    const server = new URL(serverUrl());
    const url = (schema: string) =>
      `mysql://${user}:${encodeURIComponent(password)}@${server.hostname}:${server.port || 3306}/${schema}`;

    const dir = await tempDir('cli');
    const out = join(dir, 'plan');
    const config = join(l.scenario.dir, 'config.yaml');
    const planTo = (...more: string[]) =>
      runCli([
        'plan',
        '--config',
        config,
        '--backup',
        url(l.backup.schema),
        '--interim',
        url(l.interim.schema),
        '--out',
        out,
        ...more,
      ]);
    const r = await planTo('--json', '--log-level', 'debug');
    expect(r.stderr).not.toContain(password);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(r.stdout) as PlanManifest;
    expect(manifest.sources.backup.url).toBe(
      `mysql://${user}@${server.hostname}:${server.port || 3306}/${l.backup.schema}`,
    );
    expect(manifest.totals).toMatchObject({ insert: 9, update: 10, unresolved: 0 });
    for (const f of await readdir(out, { recursive: true })) {
      if (f === 'actions') continue;
      expect(await readFile(join(out, f), 'utf8'), f).not.toContain(password);
    }
    expect(r.stdout).not.toContain(password);

    // Human summary and --force.
    const again = await planTo('--force');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`plan ${manifest.planId}`);
    expect(again.stdout).toContain(
      'remap customer.id: 2 interim rows get ids 7..8; followed by payment.customer_id, rental.customer_id',
    );
  });
});
