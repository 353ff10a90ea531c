/**
 * `npm run bench:apply`: restoring N rows (default 1,000,000) from a backup on the same server,
 * side by side in one run:
 * - a plain `INSERT … SELECT` of the same rows into an empty copy of the table (the floor);
 * - `reconcile apply --execute` of the plan `reconcile plan` makes to restore them (the built
 *   CLI in a child process: plan checks, stale check, journaled batches, AUTO_INCREMENT, journal
 *   close);
 * then `reconcile verify` of the result. Prints one JSON line on stdout; progress on stderr.
 *
 * Flags: --rows N (default 1000000)  --url mysql://user@host:port (MYSQL_URL)
 *        --id-step N (ids 1, 1+N, 1+2N…: with N > 1 no two restored ids are consecutive, so apply
 *        selects them by key lists instead of ranges)
 *        --batch-rows N (apply's batch size)  --repeat N (best of N)  --keep (leave the schemas)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, createSchema, dropSchema, runScript } from '../src/db/mysql.js';
import { quoteTable } from '../src/db/quote.js';
import { type DbTarget, parseDbUrl, withSchema } from '../src/db/url.js';
import { loadVerifiedPlan } from '../src/plan/plan-files.js';

const CLI = resolve('dist/cli/main.js');
const DDL = `CREATE TABLE item (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  status ENUM('new','paid','shipped') NOT NULL,
  created_at DATETIME(3) NOT NULL,
  note VARCHAR(64) NULL,
  KEY k_customer (customer_id)
) ENGINE=InnoDB`;

const log = (msg: string): void => {
  process.stderr.write(`[apply-bench] ${msg}\n`);
};

function options() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      url: { type: 'string', default: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' },
      'batch-rows': { type: 'string', default: '2000' },
      'id-step': { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
    },
  });
  return {
    rows: Number(values.rows),
    server: parseDbUrl(`${String(values.url).replace(/\/[^/@]*$/, '')}/mysql`, '--url'),
    batchRows: String(values['batch-rows']),
    idStep: Math.max(1, Number(values['id-step'])),
    repeat: Math.max(1, Number(values.repeat)),
    keep: values.keep === true,
  };
}

async function generate(backup: DbTarget, rows: number, step: number): Promise<void> {
  await runScript(
    backup,
    `${DDL};
     CREATE TABLE digits (d INT NOT NULL);
     INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
     INSERT INTO item (id, customer_id, amount, status, created_at, note)
     SELECT n * ${step} + 1, 1 + (n * 7919) % 50000, ((n * 104729) % 1000000) / 100,
            ELT(1 + n % 3, 'new', 'paid', 'shipped'),
            TIMESTAMPADD(SECOND, n, '2019-06-01 00:00:00.123'),
            IF(n % 5 = 0, NULL, CONCAT('note ', n))
       FROM (SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 100000*g.d + 1000000*h.d AS n
               FROM digits a, digits b, digits c, digits e, digits f, digits g, digits h) x
      WHERE n < ${rows};
     DROP TABLE digits;`,
  );
}

/** The URL of a schema on the bench server, with the password only if the server URL has one. */
function describeUrl(t: DbTarget): string {
  const auth = t.password
    ? `${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}`
    : encodeURIComponent(t.user);
  return `mysql://${auth}@${t.host}:${t.port}/${encodeURIComponent(t.schema)}`;
}

function runCli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const backup = withSchema(o.server, 'bench_apply_backup');
  const target = withSchema(o.server, 'bench_apply_target');
  const plain = withSchema(o.server, 'bench_apply_plain');
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-apply-bench-'));
  try {
    log(`generating ${o.rows.toLocaleString('en-US')} rows in ${backup.schema}`);
    for (const t of [backup, target, plain]) await createSchema(t, true);
    await generate(backup, o.rows, o.idStep);
    for (const t of [target, plain]) await runScript(t, `${DDL};`);
    log('reconcile plan');
    const t0 = performance.now();
    const planned = await runCli([
      'plan',
      '--backup',
      describeUrl(backup),
      '--interim',
      describeUrl(target),
      '--out',
      dir,
      '--log-level',
      'warn',
    ]);
    if (planned.code !== 0) throw new Error(`plan failed: ${planned.stderr}`);
    const plan = await loadVerifiedPlan(dir);
    const restores = plan.tables.find((t) => t.table === 'item')?.actions.insert ?? 0;
    if (restores !== o.rows) throw new Error(`the plan restores ${restores} rows, not ${o.rows}`);
    log(
      `plan ${plan.planId.slice(0, 12)} made in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
    );

    let bestPlain = Number.POSITIVE_INFINITY;
    let bestApply = Number.POSITIVE_INFINITY;
    let bestWrite = Number.POSITIVE_INFINITY;
    let verifySeconds = 0;
    for (let i = 0; i < o.repeat; i++) {
      const c = await connect(plain);
      try {
        await c.execute('TRUNCATE TABLE item');
        log('plain INSERT … SELECT');
        const p0 = performance.now();
        await c.execute(
          `INSERT INTO item (id, customer_id, amount, status, created_at, note) SELECT id, customer_id, amount, status, created_at, note FROM ${quoteTable(backup.schema, 'item')}`,
        );
        bestPlain = Math.min(bestPlain, (performance.now() - p0) / 1000);
      } finally {
        await c.close();
      }
      if (i > 0) {
        const r = await runCli(['rollback', '--plan', dir, '--execute', '--log-level', 'warn']);
        if (r.code !== 0) throw new Error(`rollback failed: ${r.stderr}`);
      }
      log('reconcile apply --execute');
      const a = await runCli([
        'apply',
        '--plan',
        dir,
        '--execute',
        '--json',
        '--batch-rows',
        o.batchRows,
        '--log-level',
        'warn',
      ]);
      if (a.code !== 0) throw new Error(`apply failed: ${a.stderr}`);
      bestApply = Math.min(bestApply, a.seconds);
      bestWrite = Math.min(
        bestWrite,
        (JSON.parse(a.stdout) as { seconds: { write: number } }).seconds.write,
      );
      log('reconcile verify');
      const v = await runCli(['verify', '--plan', dir, '--log-level', 'warn']);
      if (v.code !== 0) throw new Error(`verify failed: ${v.stdout}${v.stderr}`);
      verifySeconds = v.seconds;
    }
    const round = (x: number): number => Math.round(x * 100) / 100;
    process.stdout.write(
      `${JSON.stringify({
        case: 'apply-restore',
        rows: o.rows,
        idStep: o.idStep,
        batchRows: Number(o.batchRows),
        plainInsertSelect: {
          seconds: round(bestPlain),
          rowsPerSecond: Math.round(o.rows / bestPlain),
        },
        apply: {
          seconds: round(bestApply),
          rowsPerSecond: Math.round(o.rows / bestApply),
          writeSeconds: round(bestWrite),
        },
        ratio: round(bestApply / bestPlain),
        verifySeconds: round(verifySeconds),
      })}\n`,
    );
  } finally {
    if (o.keep)
      log(`kept: schemas ${backup.schema}, ${target.schema}, ${plain.schema}; plan ${dir}`);
    else {
      await rm(dir, { recursive: true, force: true });
      for (const t of [backup, target, plain]) await dropSchema(t);
    }
  }
}

await main();
