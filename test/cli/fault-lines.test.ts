import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { Connection } from '../../src/db/types.js';
import { type CliResult, runCli } from '../support/cli.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

/**
 * Faults of the environment end a command with exit 3, one line that says what happened and
 * what to do, and (with --json) one document whose `reason` scripts branch on. Never exit 70.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts) execFileSync('umount', [m]);
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reconcile-fault-'));
  dirs.push(d);
  return d;
}

function refusal(r: CliResult): ErrorDocument['error'] {
  expect(r.stderr, r.stderr).toMatch(/^reconcile: [^\n]+\n$/);
  return (JSON.parse(r.stdout) as ErrorDocument).error;
}

/** `--backup URL --interim URL`: the shop's two schemas. */
function sources(shop: Shop): string[] {
  return ['--backup', urlOf(shop.backup.schema), '--interim', urlOf(shop.interim.schema)];
}

const SECRET = 'MyS3cret-xyzzy';

describe('refusals with --json', () => {
  let shop: Shop;
  let dir: string;
  beforeAll(async () => {
    shop = await makeShop(schemas, 'fl', 40);
    dir = await tmp();
    await shopPlan(shop, dir);
  });

  it('a stale plan: exit 3, reason stale-plan', async () => {
    const other = await makeShop(schemas, 'fs', 40);
    const d = await tmp();
    await shopPlan(other, d);
    await sql(other.interim, "UPDATE customer SET name = 'meanwhile' WHERE id = 3");
    const r = await runCli(['apply', '--plan', d, '--execute', '--json']);
    expect(r.code).toBe(3);
    expect(refusal(r)).toMatchObject({ exit: 3, reason: 'stale-plan' });
  });

  it('bad usage: exit 2, reason bad-usage', async () => {
    const r = await runCli(['apply', '--plan', dir, '--batch-rows', 'many', '--json']);
    expect(r.code).toBe(2);
    expect(refusal(r)).toMatchObject({ exit: 2, reason: 'bad-usage' });
  });

  it('KILL QUERY on the statement that waits for a row lock: exit 3, query-killed; a rerun resumes', async () => {
    const holder = await connect(shop.interim);
    const admin = await connect(shop.interim);
    try {
      await holder.execute('START TRANSACTION');
      await holder.query('SELECT * FROM customer WHERE id = 10 FOR UPDATE');
      const run = runCli([
        'apply',
        '--plan',
        dir,
        '--execute',
        '--batch-rows',
        '5',
        '--json',
        '--log-level',
        'warn',
      ]);
      const id = await waitForThread(admin, shop.interim.schema, 'FOR UPDATE', holder.threadId);
      await admin.execute(`KILL QUERY ${id}`);
      const r = await run;
      expect(r.code).toBe(3);
      // The open transaction also kept apply from reserving the counter before the first batch
      // (its ALTER would wait for the table): said in one warning, before the refusal.
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual([
        'apply.reserve-skipped',
      ]);
      const e = refusal({ ...r, stderr: `${lines.at(-1)}\n` });
      expect(e).toMatchObject({ exit: 3, reason: 'query-killed' });
      expect(e.table).toBe(`${shop.interim.schema}.customer`);
      expect(e.message).toMatch(
        /nothing of batch \d+ was written; \d+ batch(es)? of this plan stays? applied: rerun the same command to resume, or undo (it|them) with `reconcile rollback --plan \S+ --execute`$/,
      );
    } finally {
      await holder.execute('ROLLBACK');
      await holder.close();
      await admin.close();
    }
    const again = await runCli([
      'apply',
      '--plan',
      dir,
      '--execute',
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { outcome: string }).outcome).toBe('resumed');
  });

  it('a report into a folder that does not exist: exit 3, one line naming the file', async () => {
    // report has no --json (its stdout is the report): the line and the exit code say it.
    // The line names the file given, not the temporary file the report is written to first.
    const r = await runCli(['report', '--plan', dir, '--html', '/no/such/folder/r.html']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'reconcile: no such file or folder (ENOENT, open) on /no/such/folder/r.html; create the folder or name another; then rerun\n',
    );
  });

  it('a plan into a folder the system refuses: exit 3, permission, naming the folder', async () => {
    const r = await runCli(['plan', ...sources(shop), '--out', '/sys/reconcile-plan', '--json']);
    expect(r.code, r.stderr).toBe(3);
    expect(refusal(r)).toMatchObject({ exit: 3, reason: 'permission' });
    // Not the sibling `.partial` folder the plan is written into first.
    expect(r.stderr).toMatch(
      /^reconcile: operation not permitted \(EPERM, mkdir\) on \/sys\/reconcile-plan; name another folder; then rerun\n$/,
    );
  });

  it('a diff --out through a file: exit 3, no-folder, naming the path given', async () => {
    const d = await tmp();
    const file = join(d, 'a-file');
    await writeFile(file, '');
    const r = await runCli([
      'diff',
      ...sources(shop),
      '--out',
      join(file, 'keys'),
      '--json',
      '--log-level',
      'warn',
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(refusal(r)).toMatchObject({ exit: 3, reason: 'no-folder' });
    expect(r.stderr).toBe(
      `reconcile: a part of the path is not a folder (ENOTDIR, mkdir) on ${join(file, 'keys')}; name another path; then rerun\n`,
    );
  });

  const canMount = process.getuid?.() === 0 && tryMount();
  it.skipIf(!canMount)(
    'a full disk and a read-only folder (tmpfs mounts): disk, read-only',
    async () => {
      const full = await tmp();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
      mounts.push(full);
      // Filled to the last byte: the diff's first key file finds no space.
      spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'fill')}`, 'bs=4k'], { stdio: 'ignore' });
      const r = await runCli([
        'diff',
        ...sources(shop),
        '--out',
        join(full, 'keys'),
        '--json',
        '--log-level',
        'warn',
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(refusal(r)).toMatchObject({ exit: 3, reason: 'disk' });
      // A write to a full disk says no file of itself: the line names the folder given.
      const keys = join(full, 'keys');
      expect(r.stderr).toBe(
        `reconcile: no space left on the device (ENOSPC, write) on ${keys}; free space there; then rerun\n`,
      );
      // plan spools, drafts and writes its folder there too: the same line, not a bug.
      const p = await runCli([
        'plan',
        ...sources(shop),
        '--out',
        join(full, 'plan'),
        '--json',
        '--log-level',
        'error',
      ]);
      expect(p.code, p.stderr).toBe(3);
      expect(refusal(p)).toMatchObject({ exit: 3, reason: 'disk' });
      expect(p.stderr).toMatch(
        new RegExp(
          `^reconcile: no space left on the device \\(ENOSPC, \\w+\\) on ${join(full, 'plan')}; free space there; then rerun\n$`,
        ),
      );
      // init writes its config file there: the same fault, not a usage error.
      const cfg = join(full, 'config.yaml');
      const i = await runCli(['init', ...sources(shop), '--out', cfg, '--log-level', 'error']);
      expect(i.code, i.stderr).toBe(3);
      expect(i.stderr).toBe(
        `reconcile: no space left on the device (ENOSPC, write) on ${cfg}; free space there; then rerun\n`,
      );
      const ro = await tmp();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=8k', 'tmpfs', ro]);
      mounts.push(ro);
      // (Node's recursive mkdir says ENOENT on a read-only file system: a report's file is
      // written directly.)
      const w = await runCli(['report', '--plan', dir, '--markdown', join(ro, 'r.md')]);
      expect(w.code, w.stderr).toBe(3);
      expect(w.stderr).toBe(
        `reconcile: a read-only file system (EROFS, open) on ${join(ro, 'r.md')}; name another folder; then rerun\n`,
      );
      // A plan folder on a read-only file system: read-only, not "no such folder".
      const rp = await runCli([
        'plan',
        ...sources(shop),
        '--out',
        join(ro, 'plan'),
        '--json',
        '--log-level',
        'error',
      ]);
      expect(rp.code, rp.stderr).toBe(3);
      expect(refusal(rp)).toMatchObject({ exit: 3, reason: 'read-only' });
      expect(rp.stderr).toBe(
        `reconcile: a read-only file system (EROFS, mkdir) on ${join(ro, 'plan')}; name another folder; then rerun\n`,
      );
    },
  );
});

describe('a password is never printed back', () => {
  it('from a URL without @ (the host forgotten)', async () => {
    const r = await runCli([
      'diff',
      '--backup',
      `mysql://dba:${SECRET}`,
      '--interim',
      `mysql://dba:${SECRET}/shop`,
      '--json',
    ]);
    expect(r.code).toBe(2);
    expect(refusal(r).reason).toBe('bad-url');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stderr).toContain('mysql://dba:***');
  });

  it('from a URL without @ whose password is all digits (not taken for a port)', async () => {
    const digits = '24680';
    const r = await runCli([
      'diff',
      '--backup',
      `mysql://dba:${digits}`,
      '--interim',
      urlOf('x'),
      '--json',
    ]);
    expect(r.code).toBe(2);
    expect(refusal(r).reason).toBe('bad-url');
    expect(r.stdout + r.stderr).not.toContain(digits);
    expect(r.stderr).toContain('mysql://dba:***');
  });

  it('from a config file, an all-digit password without @ too', async () => {
    const digits = '24680';
    const d = await tmp();
    const file = join(d, 'config.yaml');
    await writeFile(
      file,
      `backup: mysql://dba:${digits}\ninterim: mysql://dba:${digits}\nout: ${join(d, 'p')}\n`,
    );
    const r = await runCli(['plan', '--config', file, '--json']);
    expect(r.code).toBe(2);
    expect(refusal(r).reason).toBe('bad-config');
    expect(r.stdout + r.stderr).not.toContain(digits);
  });

  it('from a config file', async () => {
    const d = await tmp();
    const file = join(d, 'config.yaml');
    await writeFile(
      file,
      `backup: mysql://dba:${SECRET}\ninterim: "mysql://dba:${SECRET}@"\nout: ${join(d, 'p')}\n`,
    );
    const r = await runCli(['plan', '--config', file, '--json']);
    expect(r.code).toBe(2);
    expect(refusal(r).reason).toBe('bad-config');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

async function waitForThread(
  c: Connection,
  schema: string,
  text: string,
  not: number,
): Promise<number> {
  const end = Date.now() + 20_000;
  for (;;) {
    const rows = await c.query<{ id: number | string }>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID NOT IN (?, CONNECTION_ID()) AND INFO LIKE ?`,
      [schema, not, `%${text}%`],
    );
    const id = rows[0]?.id;
    if (id !== undefined) return Number(id);
    if (Date.now() > end) throw new Error(`no connection running ${text} on ${schema}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tryMount(): boolean {
  const probe = join(tmpdir(), `reconcile-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rmdir', [probe]);
  }
}
