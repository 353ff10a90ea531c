import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { Connection } from '../../src/db/types.js';
import { type DbTarget, parseDbUrl } from '../../src/db/url.js';
import { demoConfigYaml } from '../../src/demo/demo-config.js';
import { generateIncident } from '../../src/demo/incident.js';
import { loadIncident } from '../../src/demo/incident-sql.js';
import { runCli } from '../support/cli.js';
import { serverUrl, TestSchemas } from '../support/schemas.js';

/**
 * The README's least privileges, checked: each command runs as a user granted exactly what the
 * README's table says, and succeeds. (And one grant less makes apply fail: the grants are not
 * merely sufficient by accident of a broad default.)
 */
const schemas = new TestSchemas();
const tag = randomBytes(3).toString('hex');
const PASSWORD = `Lp-${randomBytes(6).toString('hex')}`;
let admin: Connection;
let backup: DbTarget;
let interim: DbTarget;
let root: string;
const users: string[] = [];

const hostPort = (): string => serverUrl().replace(/^mysql:\/\/[^@]*@/, '');
const q = (name: string): string => `\`${name.replaceAll('`', '``')}\``;
/** A schema name as a GRANT pattern: `_` and `%` are wildcards there. */
const literal = (name: string): string => name.replace(/[_%\\]/g, '\\$&');

async function user(name: string, grants: readonly string[]): Promise<string> {
  const u = `rt_${name}_${tag}`;
  users.push(u);
  await admin.execute(`CREATE USER '${u}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  for (const g of grants) await admin.execute(`GRANT ${g} TO '${u}'@'%'`);
  return u;
}

function url(u: string, schema: string): string {
  return `mysql://${u}@${hostPort()}/${encodeURIComponent(schema)}`;
}

function run(args: string[]) {
  return runCli(args, { env: { MYSQL_PWD: PASSWORD } });
}

beforeAll(async () => {
  admin = await connect(parseDbUrl(`${serverUrl()}/mysql`, 'admin'), { noSchema: true });
  backup = await schemas.create(`pb${tag}`);
  interim = await schemas.create(`pi${tag}`);
  await loadIncident(generateIncident({ rows: 120, seed: 9 }), { backup, interim });
  root = await mkdtemp(join(tmpdir(), 'reconcile-privileges-'));
});
afterAll(async () => {
  for (const u of users) await admin.execute(`DROP USER IF EXISTS '${u}'@'%'`);
  await admin.close();
  await schemas.drop();
  await rm(root, { recursive: true, force: true });
});

describe('least privileges, as the README lists them', () => {
  it('each command runs with exactly its grants', async () => {
    const b = q(backup.schema);
    const i = q(interim.schema);
    const scratch = q(`${literal(interim.schema)}\\_rehearse\\_%`);

    const differ = await user('diff', [`SELECT ON ${b}.*`, `SELECT ON ${i}.*`]);
    const diff = await run([
      'diff',
      '--backup',
      url(differ, backup.schema),
      '--interim',
      url(differ, interim.schema),
    ]);
    expect(diff.code, diff.stderr).toBe(1);

    const initer = await user('init', [`SELECT ON ${b}.*`, `SELECT ON ${i}.*`]);
    const init = await run([
      'init',
      '--backup',
      url(initer, backup.schema),
      '--interim',
      url(initer, interim.schema),
      '--incident-start',
      '2020-02-23T19:00:00+08:00',
    ]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('references:');

    const planner = await user('plan', [`SELECT ON ${b}.*`, `SELECT, TRIGGER ON ${i}.*`]);
    const config = join(root, 'config.yaml');
    await writeFile(
      config,
      demoConfigYaml({
        backup: parseDbUrl(url(planner, backup.schema), 'b'),
        interim: parseDbUrl(url(planner, interim.schema), 'i'),
      }),
    );
    const dir = join(root, 'plan');
    const plan = await run(['plan', '--config', config, '--out', dir]);
    expect(plan.code, plan.stderr).toBe(0);

    const creds = (u: string) => [
      '--target',
      url(u, interim.schema),
      '--backup',
      url(u, backup.schema),
    ];
    const rehearser = await user('rehearse', [
      `SELECT ON ${b}.*`,
      `SELECT, TRIGGER ON ${i}.*`,
      `CREATE, DROP, SELECT, INSERT, UPDATE, DELETE, ALTER ON ${scratch}.*`,
    ]);
    const rehearse = await run(['rehearse', '--plan', dir, ...creds(rehearser)]);
    expect(rehearse.code, rehearse.stderr + rehearse.stdout).toBe(0);

    const applyGrants = [
      `SELECT ON ${b}.*`,
      `SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, TRIGGER ON ${i}.*`,
    ];
    // One grant less (no CREATE: the journal table) and apply fails before writing a row.
    const short = await user('short', [
      `SELECT ON ${b}.*`,
      `SELECT, INSERT, UPDATE, DELETE, ALTER, TRIGGER ON ${i}.*`,
    ]);
    const refused = await run(['apply', '--plan', dir, '--execute', ...creds(short)]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/CREATE command denied|denied/i);

    const applier = await user('apply', applyGrants);
    const apply = await run(['apply', '--plan', dir, '--execute', ...creds(applier)]);
    expect(apply.code, apply.stderr).toBe(0);

    const verifier = await user('verify', [`SELECT ON ${i}.*`]);
    const verify = await run(['verify', '--plan', dir, '--target', url(verifier, interim.schema)]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const roller = await user('rollback', [
      `SELECT, INSERT, UPDATE, DELETE, DROP, ALTER ON ${i}.*`,
    ]);
    const rollback = await run([
      'rollback',
      '--plan',
      dir,
      '--execute',
      '--target',
      url(roller, interim.schema),
    ]);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);

    const report = await run(['report', '--plan', dir]);
    expect(report.code).toBe(0);
  });
});
