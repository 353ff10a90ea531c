import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import type { Connection } from '../../src/db/types.js';
import { parseDbUrl } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import type { PrivateServer } from '../support/private-server.js';

/**
 * A small merge on a private server, run through the command line as a DBA would:
 * diff → plan → apply --execute → verify. The backup has customers 1..3, the interim 1, 2
 * (renamed) and 4: the plan restores 3 and keeps the interim's 2 and 4.
 */

export const AFTER_MERGE = [
  ['1', 'ann'],
  ['2', 'bobby'],
  ['3', 'cy'],
  ['4', 'dee'],
];

/** Connects to a private server as root (its default PREFERRED mode uses TLS where offered). */
export async function adminOf(server: PrivateServer): Promise<Connection> {
  return connect(parseDbUrl(`${server.url}/mysql`, 'admin', {}), { noSchema: true });
}

export async function loadPair(admin: Connection, backup: string, interim: string): Promise<void> {
  for (const s of [backup, interim]) {
    await admin.execute(`DROP DATABASE IF EXISTS ${quoteId(s)}`);
    await admin.execute(`CREATE DATABASE ${quoteId(s)}`);
    await admin.execute(
      `CREATE TABLE ${quoteId(s)}.customers (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB`,
    );
  }
  await admin.execute(
    `INSERT INTO ${quoteId(backup)}.customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')`,
  );
  await admin.execute(
    `INSERT INTO ${quoteId(interim)}.customers VALUES (1, 'ann'), (2, 'bobby'), (4, 'dee')`,
  );
}

export async function customers(admin: Connection, schema: string): Promise<string[][]> {
  const rows = await admin.rawRows(`SELECT id, name FROM ${quoteId(schema)}.customers ORDER BY id`);
  return rows.map((r) => r.map((v) => v?.toString() ?? 'NULL'));
}

export interface RoundTrip {
  readonly diff: CliResult;
  readonly plan: CliResult;
  readonly apply: CliResult;
  readonly verify: CliResult;
  readonly manifest: PlanManifest;
  readonly planDir: string;
  /** everything the commands printed */
  readonly output: string;
}

/**
 * Runs the four commands with `connection` flags (option files, --ask-pass…) on each, checks
 * each one's exit code and JSON, and returns what they printed.
 */
export async function roundTrip(
  urls: { readonly backup: string; readonly interim: string },
  connection: readonly string[],
  dir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<RoundTrip> {
  const planDir = join(dir, 'plan');
  const cli = (args: string[]) => runCli([...args, ...connection, '--json'], { env });
  const diff = await cli(['diff', '--backup', urls.backup, '--interim', urls.interim]);
  expect(diff.code, diff.stderr).toBe(1);
  const totals = (JSON.parse(diff.stdout) as { totals: Record<string, number> }).totals;
  expect(totals).toMatchObject({ identical: 1, changed: 1, onlyBackup: 1, onlyInterim: 1 });
  const plan = await cli([
    'plan',
    '--backup',
    urls.backup,
    '--interim',
    urls.interim,
    '--out',
    planDir,
  ]);
  expect(plan.code, plan.stderr).toBe(0);
  const manifest = JSON.parse(plan.stdout) as PlanManifest;
  expect(manifest.totals).toMatchObject({ insert: 1, update: 0, unresolved: 0 });
  const apply = await cli(['apply', '--plan', planDir, '--execute']);
  expect(apply.code, apply.stderr).toBe(0);
  expect(JSON.parse(apply.stdout)).toMatchObject({ outcome: 'applied' });
  const verify = await cli(['verify', '--plan', planDir]);
  expect(verify.code, verify.stderr).toBe(0);
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  const output = [diff, plan, apply, verify].map((r) => r.stdout + r.stderr).join('\n');
  return { diff, plan, apply, verify, manifest, planDir, output };
}

/** Every file of a plan folder, as text. */
export async function planFilesText(planDir: string): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(await readFile(p, 'utf8'));
    }
  };
  await walk(planDir);
  return out.join('\n');
}
