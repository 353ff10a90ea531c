import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockName } from '../../src/apply/lock.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import { runToPause } from '../support/kill.js';
import { buildPlan, planDigests, schemaDigests } from '../support/plan-builder.js';
import { PrivateServer } from '../support/private-server.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

/**
 * The server crashes, pauses, holds a row lock past innodb_lock_wait_timeout, or refuses a
 * packet, mid-apply: each ends in exit 3 with a reason and a line naming the server, and a
 * rerun after the fault resumes to the plan's after digests. One private server for the file
 * (killed, paused and restarted at will; the shared one is never touched).
 */
let server: PrivateServer;
let schemas: TestSchemas;
const dirs: string[] = [];
beforeAll(async () => {
  server = await PrivateServer.start({
    name: 'faults',
    args: ['--innodb-lock-wait-timeout=1', '--max-allowed-packet=4M'],
  });
  schemas = new TestSchemas(server.url);
});
afterAll(async () => {
  await schemas?.drop().catch(() => undefined);
  await server?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-srv-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label, 40);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

const quiet = ['--log-level', 'warn', '--json'];
const apply = (dir: string, ...more: string[]): string[] => [
  'apply',
  '--plan',
  dir,
  '--execute',
  '--parallel',
  '1',
  '--batch-rows',
  '5',
  ...quiet,
  ...more,
];

/** Runs a command line as a user would paste it, `reconcile` being the built CLI. */
function runShell(line: string): Promise<CliResult> {
  const bin = resolve(process.env.RECONCILE_TEST_BIN ?? 'dist/cli/main.js');
  const script = `reconcile() { "${process.execPath}" "${bin}" "$@"; }\n${line}\n`;
  return new Promise((done, reject) => {
    execFile(
      'sh',
      ['-c', script],
      { env: { ...process.env, MYSQL_PWD: '' } },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else done({ code: err ? Number(err.code) : 0, signal: null, stdout, stderr });
      },
    );
  });
}

function refusal(r: CliResult): ErrorDocument['error'] {
  return (JSON.parse(r.stdout) as ErrorDocument).error;
}

async function expectResumes(shop: Shop, dir: string, plan: PlanManifest): Promise<void> {
  const again = await runCli(apply(dir));
  expect(again.code, again.stderr).toBe(0);
  expect((JSON.parse(again.stdout) as { outcome: string }).outcome).toBe('resumed');
  expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'after'));
}

describe.skipIf(!PrivateServer.available())('faults of the server mid-apply', () => {
  it('killed (kill -9) and restarted: server-gone, then the rerun resumes', async () => {
    const { shop, dir, plan } = await fresh('crash');
    const run = runToPause(apply(dir), 'batch:4');
    await run.paused;
    await server.kill();
    run.signal('SIGUSR2');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    const e = refusal(r);
    expect(e).toMatchObject({ exit: 3, reason: 'server-gone' });
    expect(e.message).toContain(`127.0.0.1:${server.port}`);
    await server.restart();
    await expectResumes(shop, dir, plan);
  });

  it('paused (SIGSTOP): says it waits, gives up after --query-timeout, then resumes', async () => {
    const { shop, dir, plan } = await fresh('pause');
    // At --log-level warn (in `quiet`): a wait is said whatever the level asks to hide.
    const run = runToPause(apply(dir, '--query-timeout', '2'), 'batch:4');
    await run.paused;
    server.pause();
    try {
      const t0 = performance.now();
      run.signal('SIGUSR2');
      const r = await run.done;
      expect(performance.now() - t0).toBeLessThan(15_000);
      expect(r.code, r.stderr).toBe(3);
      const e = refusal(r);
      expect(e).toMatchObject({ exit: 3, reason: 'timeout' });
      expect(e.message).toContain(`127.0.0.1:${server.port}`);
      expect(e.message).toMatch(/in an? (START TRANSACTION|SELECT|INSERT|UPDATE|DELETE|COMMIT)/);
      const waiting = r.stderr.split('\n').filter((l) => l.includes('"event":"db.waiting"'));
      expect(waiting).toHaveLength(1);
      // A command that connects to a paused server gives up too.
      const v = await runCli(['verify', '--plan', dir, '--query-timeout', '2', ...quiet]);
      expect(v.code).toBe(3);
      expect(refusal(v)).toMatchObject({ reason: 'cannot-connect' });
    } finally {
      server.resume();
    }
    await expectResumes(shop, dir, plan);
  });

  it('a row locked past innodb_lock_wait_timeout: lock-wait-timeout, nothing of the batch written', async () => {
    const { shop, dir, plan } = await fresh('rowlock');
    const holder = await connect(shop.interim);
    try {
      await holder.execute('START TRANSACTION');
      await holder.query('SELECT * FROM customer WHERE id = 10 FOR UPDATE');
      const r = await runCli(apply(dir));
      expect(r.code, r.stderr).toBe(3);
      const e = refusal(r);
      expect(e).toMatchObject({ exit: 3, reason: 'lock-wait-timeout' });
      expect(e.table).toBe(`${shop.interim.schema}.customer`);
      expect(e.message).toMatch(
        /^lock wait timeout on \S+\.customer batch (\d+) .*row locked by another transaction\); nothing of batch \1 was written; .*; \d+ batch(es)? of this plan stays? applied: rerun the same command to resume, or undo (it|them) with `reconcile rollback --plan \S+ --execute`$/,
      );
    } finally {
      await holder.execute('ROLLBACK');
      await holder.close();
    }
    await expectResumes(shop, dir, plan);
  });

  it('a row larger than max_allowed_packet: packet-too-large, then raised and resumed', async () => {
    const b = await schemas.create('pk_b');
    const i = await schemas.create('pk_i');
    const ddl = 'CREATE TABLE files (id INT PRIMARY KEY, data LONGBLOB NOT NULL);';
    await sql(b, ddl);
    await sql(i, `${ddl} INSERT INTO files VALUES (1, 'small');`);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-srv-'));
    dirs.push(dir);
    const big = Buffer.alloc(3 << 20, 7).toString('hex'); // 3 MiB, sent as 6 MiB of hex
    const plan = await buildPlan({
      dir,
      backup: b,
      interim: i,
      tables: [
        { table: 'files', actions: [{ op: 'insert', row: { data: { hex: big }, id: '2' } }] },
      ],
    });
    const r = await runCli(apply(dir));
    expect(r.code, r.stderr).toBe(3);
    const e = refusal(r);
    expect(e).toMatchObject({ exit: 3, reason: 'packet-too-large' });
    expect(e.message).toMatch(
      /^the server's max_allowed_packet \(4 MiB\) is smaller than a \d+ MiB statement \(for a 3 MiB row\) on \S+\.files batch \d+/,
    );
    expect(e.message).toContain('raise max_allowed_packet to at least 8 MiB');
    const admin = await connect(i);
    try {
      await admin.execute('SET GLOBAL max_allowed_packet = 16777216');
    } finally {
      await admin.close();
    }
    const again = await runCli(apply(dir));
    expect(again.code, again.stderr).toBe(0);
    expect(await schemaDigests(i)).toEqual(planDigests(plan, 'after'));
  });
});

describe.skipIf(!PrivateServer.available())('an in-place rehearsal the server interrupts', () => {
  const rehearse = (dir: string): string[] => [
    'rehearse',
    '--plan',
    dir,
    '--in-place',
    '--batch-rows',
    '5',
    ...quiet,
  ];

  it('connection killed: it reconnects, rolls back, and production is as it was', async () => {
    const { shop, dir, plan } = await fresh('rk');
    const run = runToPause(rehearse(dir), 'batch:4');
    await run.paused;
    const admin = await connect(shop.interim);
    try {
      const rows = await admin.query<{ id: string | number }>('SELECT IS_USED_LOCK(?) AS id', [
        lockName(shop.interim.schema),
      ]);
      await admin.execute(`KILL CONNECTION ${Number(rows[0]?.id)}`);
    } finally {
      await admin.close();
    }
    run.signal('SIGUSR2');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    expect(refusal(r)).toMatchObject({ exit: 3, reason: 'server-gone' });
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });

  it('server killed: says production is left partly applied, and the command that finishes', async () => {
    const { shop, dir, plan } = await fresh('rc');
    // The rehearsal logs in as a user named by --target whose password only an option file
    // holds: the command that finishes must carry both (and no password) to work as printed.
    const password = 'S3cret-rh-4242';
    await sql(
      shop.interim,
      `CREATE USER IF NOT EXISTS 'rh'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'rh'@'%'`,
    );
    const options = join(await mkdtemp(join(tmpdir(), 'reconcile-srv-')), 'rh.cnf');
    dirs.push(dirname(options));
    await writeFile(options, `[client]\npassword=${password}\n`);
    const t = shop.interim;
    const target = `mysql://rh@${t.host}:${t.port}/${t.schema}`;
    const backup = `mysql://rh@${t.host}:${t.port}/${shop.backup.schema}`;
    const run = runToPause(
      [...rehearse(dir), '--target', target, '--backup', backup, '--defaults-extra-file', options],
      'batch:4',
    );
    await run.paused;
    await server.kill();
    run.signal('SIGUSR2');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    const e = refusal(r);
    expect(e).toMatchObject({ exit: 3, reason: 'partly-applied' });
    expect(e.message).toContain(
      'is left partly applied; finish the rollback with: reconcile rollback',
    );
    expect(e.command).toBe(
      `reconcile rollback --plan ${dir} --execute --target ${target} --defaults-extra-file ${options}`,
    );
    expect(r.stdout + r.stderr).not.toContain(password);
    await server.restart();
    // As printed, through a shell, with `reconcile` standing for the built CLI.
    const finish = await runShell(`${e.command} ${quiet.join(' ')}`);
    expect(finish.code, finish.stderr).toBe(0);
    expect(await schemaDigests(shop.interim)).toEqual(planDigests(plan, 'before'));
  });
});
