import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, dropSchema } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import { demoSchemas } from '../../src/demo/demo-config.js';
import { DEFAULT_INCIDENT, generateIncident } from '../../src/demo/incident.js';
import { incidentTruth } from '../../src/demo/incident-truth.js';
import { SHOP_TABLES } from '../../src/demo/shop-schema.js';
import { serverUrl, target } from '../support/schemas.js';

const prefix = `rt_demo_${randomBytes(3).toString('hex')}`;
let root: string | null = null;

afterAll(async () => {
  for (const s of Object.values(demoSchemas(prefix))) await dropSchema(target(s));
  if (root) await rm(root, { recursive: true, force: true });
});

/** `npm run demo -- ARGS`, as the README shows it (npm only adds its banner). */
function demo(
  args: string[],
  server = serverUrl(),
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('dist/demo/main.js'), ...args], {
      env: { ...process.env, MYSQL_URL: server, MYSQL_PWD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * The merged target, checked against the generator's own account of the incident (not against
 * the plan): every entity of both sides is there once, the re-registered merchant once.
 */
async function checkMerged(): Promise<void> {
  const incident = generateIncident({ rows: 200, seed: DEFAULT_INCIDENT.seed });
  const truth = incidentTruth(incident);
  const c = await connect(target(demoSchemas(prefix).interim));
  try {
    for (const t of SHOP_TABLES) {
      const k = truth[t];
      // A collision is two entities; the merchant who signed up again is one.
      const merged = t === 'merchants' ? 1 : 0;
      const want =
        k.identical + k.changed + k.onlyBackup + k.onlyInterim + 2 * k.collision - merged;
      const [row] = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteId(t)}`);
      expect(Number(row?.n), t).toBe(want);
    }
    const emails = await c.query<{ email: string }>('SELECT email FROM merchants');
    const all = new Set(
      [...incident.backup.merchants, ...incident.interim.merchants].map((m) => m.email),
    );
    expect(new Set(emails.map((e) => e.email))).toEqual(all);
    const orders = await c.query<{ order_no: string }>('SELECT order_no FROM orders');
    const nos = new Set(
      [...incident.backup.orders, ...incident.interim.orders].map((o) => o.order_no),
    );
    expect(orders.length).toBe(nos.size);
    expect(new Set(orders.map((o) => o.order_no))).toEqual(nos);
  } finally {
    await c.close();
  }
}

describe('npm run demo', () => {
  it('runs the pipeline on a generated incident, twice in a row, narrating each step', async () => {
    root = await mkdtemp(join(tmpdir(), 'reconcile-demo-'));
    const out = join(root, 'demo');
    for (let run = 0; run < 2; run++) {
      const r = await demo(['--rows', '200', '--prefix', prefix, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ {3}server {4}mysql:\/\/.*\(.*\)$/m);
      expect(r.stdout).toMatch(
        new RegExp(`^1\\. incident  ${prefix}_backup and ${prefix}_interim`, 'm'),
      );
      expect(r.stdout).toMatch(/^2\. diff {6}[\d,]+ identical, [\d,]+ changed/m);
      expect(r.stdout).toMatch(
        /^3\. plan {6}plan [0-9a-f]{12}: [\d,]+ inserts, [\d,]+ updates, 0 deletes, 0 unresolved/m,
      );
      expect(r.stdout).toMatch(/interim rows get new ids, their references rewritten/);
      expect(r.stdout).toMatch(/^4\. rehearse {2}passed on a scratch copy/m);
      expect(r.stdout).toMatch(/^5\. apply {5}[\d,]+ rows in \d+ journaled batches/m);
      expect(r.stdout).toMatch(/^6\. verify {4}ok: all 7 tables hold exactly the planned rows/m);
      expect(r.stdout).toMatch(/^7\. report {4}/m);
      expect(r.stdout).toMatch(
        /\nverified: the merged database holds exactly what the plan promised/,
      );
      expect(r.stdout).toContain(`report: ${join(out, 'report.html')}`);
      // plan warns (plan.warning) about remapped ids no reference follows; nothing else is said.
      const said = r.stderr.split('\n').filter((l) => l && !l.includes('"event":"plan.warning"'));
      expect(said).toEqual([]);
    }
    await checkMerged();
    const files = await readdir(out);
    expect(files).toEqual(
      expect.arrayContaining(['config.yaml', 'diff.json', 'plan', 'report.html', 'report.md']),
    );
    const config = await readFile(join(out, 'config.yaml'), 'utf8');
    expect(config).toContain(`interim: mysql://`);
    expect(config).toContain(`/${prefix}_interim`);
  });

  it('refuses to empty a folder it did not write', async () => {
    const d = await mkdtemp(join(tmpdir(), 'reconcile-demo-foreign-'));
    try {
      await writeFile(join(d, 'precious.txt'), 'keep me');
      const r = await demo(['--rows', '60', '--prefix', prefix, '--out', d]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('holds files the demo did not write');
      expect(await readFile(join(d, 'precious.txt'), 'utf8')).toBe('keep me');
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('says in one line when no server answers and none can be started', async () => {
    // Not local, so scripts/ensure-mysql.sh will not try to start one: it says so, exit 3.
    const r = await demo(
      ['--rows', '60', '--prefix', prefix],
      'mysql://root:S3cret-pw@no-such-host.invalid:3306',
    );
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toContain('S3cret-pw');
    expect(r.stdout).toContain('no server answers at mysql://root@no-such-host.invalid:3306');
    expect(r.stderr).toMatch(
      /ensure-mysql: no server answers at no-such-host\.invalid:3306, and it is not local/,
    );
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^reconcile: scripts\/ensure-mysql\.sh could not start a server \(exit 3\)$/,
    );
  });
});
