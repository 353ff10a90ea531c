import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../../src/db/mysql.js';
import { demoSchemas } from '../../src/demo/demo-config.js';
import { serverUrl, target } from '../support/schemas.js';

const prefix = `rt_demo_${randomBytes(3).toString('hex')}`;
let root: string | null = null;

afterAll(async () => {
  for (const s of Object.values(demoSchemas(prefix))) await dropSchema(target(s));
  if (root) await rm(root, { recursive: true, force: true });
});

/** `npm run demo -- ARGS`, as the README shows it (npm only adds its banner). */
function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('dist/demo/main.js'), ...args], {
      env: { ...process.env, MYSQL_URL: serverUrl(), MYSQL_PWD: '' },
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
      expect(r.stdout).toContain(`report: ${join(out, 'report.html')}`);
      expect(r.stderr).toBe('');
    }
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
});
