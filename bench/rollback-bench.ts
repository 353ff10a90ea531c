/**
 * `npm run bench:rollback`: undoing restored rows of a table without a key, side by side with
 * applying them, in one run. The interim's table holds --rows rows (default 50,000); the
 * backup holds those and --restore more (default 20,000). `reconcile plan` plans the restore,
 * then (the built CLI in child processes) `reconcile apply --execute` writes it and
 * `reconcile rollback --execute` undoes it, and must find the before digests again. Prints one
 * JSON line on stdout (apply seconds, rollback seconds, their ratio); progress on stderr.
 *
 * A table without a key can only be addressed by its values: undoing row by row scans the
 * table once per row. The target: rollback within 3× the apply.
 *
 * Flags: --rows N  --restore N  --url mysql://user@host:port (MYSQL_URL)  --batch-rows N
 *        --cli PATH (another build's dist/cli/main.js, to compare)  --keep (leave the schemas)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSchema, dropSchema, runScript } from '../src/db/mysql.js';
import { type DbTarget, parseDbUrl, withSchema } from '../src/db/url.js';

const DDL = `CREATE TABLE event (
  who VARCHAR(20) NOT NULL,
  n INT NOT NULL,
  amount DECIMAL(12,2) NULL,
  note VARCHAR(64) NULL,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB`;

const log = (msg: string): void => {
  process.stderr.write(`[rollback-bench] ${msg}\n`);
};

function options() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '50000' },
      restore: { type: 'string', default: '20000' },
      url: { type: 'string', default: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' },
      'batch-rows': { type: 'string', default: '2000' },
      cli: { type: 'string', default: 'dist/cli/main.js' },
      keep: { type: 'boolean', default: false },
    },
  });
  return {
    rows: Number(values.rows),
    restore: Number(values.restore),
    server: parseDbUrl(`${String(values.url).replace(/\/[^/@]*$/, '')}/mysql`, '--url'),
    batchRows: String(values['batch-rows']),
    cli: resolve(String(values.cli)),
    keep: values.keep === true,
  };
}

/** Rows n in [from, to): every 10th a copy of the row before it (a keyless table has copies). */
async function fill(t: DbTarget, from: number, to: number): Promise<void> {
  await runScript(
    t,
    `CREATE TABLE IF NOT EXISTS digits (d INT NOT NULL);
     DELETE FROM digits;
     INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
     INSERT INTO event (who, n, amount, note, at)
     SELECT CONCAT('user ', m % 997), m, (m * 7919 % 100000) / 100,
            IF(m % 5 = 0, NULL, CONCAT('note ', m)), TIMESTAMPADD(SECOND, m, '2020-02-23 19:00:00.125')
       FROM (SELECT n - (n % 10 = 9) AS m
               FROM (SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 100000*g.d AS n
                       FROM digits a, digits b, digits c, digits e, digits f, digits g) x
              WHERE n >= ${from} AND n < ${to}) y;
     DROP TABLE digits;`,
  );
}

function url(t: DbTarget): string {
  const auth = t.password
    ? `${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}`
    : encodeURIComponent(t.user);
  return `mysql://${auth}@${t.host}:${t.port}/${encodeURIComponent(t.schema)}`;
}

function run(
  cli: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', rej);
    child.on('close', (code) =>
      res({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }),
    );
  });
}

async function main(): Promise<void> {
  const o = options();
  const backup = withSchema(o.server, 'bench_rollback_backup');
  const target = withSchema(o.server, 'bench_rollback_target');
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-rollback-bench-'));
  try {
    log(`${o.rows} rows in the target, ${o.restore} more in the backup (no key)`);
    for (const t of [backup, target]) {
      await createSchema(t, true);
      await runScript(t, `${DDL};`);
    }
    await fill(target, 0, o.rows);
    await fill(backup, 0, o.rows + o.restore);
    const quiet = ['--log-level', 'warn'];
    const planned = await run(o.cli, [
      'plan',
      '--backup',
      url(backup),
      '--interim',
      url(target),
      '--out',
      dir,
      ...quiet,
    ]);
    if (planned.code !== 0) throw new Error(`plan failed: ${planned.stderr}`);
    const cmd = ['--plan', dir, '--execute', ...quiet];
    log('reconcile apply --execute');
    const applied = await run(o.cli, ['apply', ...cmd, '--batch-rows', o.batchRows]);
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
    log('reconcile rollback --execute');
    const rolled = await run(o.cli, ['rollback', ...cmd]);
    if (rolled.code !== 0) throw new Error(`rollback failed: ${rolled.stdout}${rolled.stderr}`);
    const round = (x: number): number => Math.round(x * 100) / 100;
    process.stdout.write(
      `${JSON.stringify({
        case: 'keyless-rollback',
        tableRows: o.rows,
        restoredRows: o.restore,
        batchRows: Number(o.batchRows),
        applySeconds: round(applied.seconds),
        rollbackSeconds: round(rolled.seconds),
        ratio: round(rolled.seconds / applied.seconds),
        target: 3,
      })}\n`,
    );
  } finally {
    if (o.keep) log(`kept: schemas ${backup.schema}, ${target.schema}; plan ${dir}`);
    else {
      await rm(dir, { recursive: true, force: true });
      for (const t of [backup, target]) await dropSchema(t);
    }
  }
}

await main();
