/**
 * Plan time and peak memory on a generated 1M-row parent + 1M-row child pair with 1% collisions,
 * side by side with a diff of the same pair in the same run (the machine is shared: only the
 * ratio means much).
 *
 *   npm run bench:plan [-- mysql://root@127.0.0.1:3306 [rows]]
 *
 * Each measured step runs in a child process of its own, so its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlanConfig, parseConfigText } from '../src/config/load-config.js';
import { createSchema, dropSchema, runScript } from '../src/db/mysql.js';
import { parseDbUrl } from '../src/db/url.js';
import { runDiff } from '../src/diff/run-diff.js';
import { silentLogger } from '../src/log.js';
import { runPlan } from '../src/plan/run-plan.js';

// The parent takes [server] [rows]; each measured step re-runs this file as a child with
// <diff|plan> server rows.
const mode = process.argv[2];
const isStep = mode === 'diff' || mode === 'plan';
const args = process.argv.slice(isStep ? 3 : 2);
const server = args[0] ?? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const rows = Number(args[1] ?? 1_000_000);
const B = 'rc_bench_plan_b';
const I = 'rc_bench_plan_i';
const url = (schema: string) => `${server.replace(/\/+$/, '')}/${schema}`;

const DDL = `
CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, created_at DATETIME NOT NULL);
CREATE TABLE child (
  id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL,
  created_at DATETIME NOT NULL, KEY ix_parent (parent_id),
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));`;

/** MariaDB's SEQUENCE engine makes rows server-side; 1% of ids (≡ 0 mod 100) collide. */
function fill(interim: boolean): string {
  const when = (col: string, collided: string) =>
    interim ? `IF(${col}, ${collided}, '2019-01-01 00:00:00')` : `'2019-01-01 00:00:00'`;
  const extra = interim
    ? `INSERT INTO child SELECT ${rows} + seq, seq * 100, 7.00, '2020-03-02 00:00:00' FROM seq_1_to_${rows / 100};`
    : '';
  return `SET FOREIGN_KEY_CHECKS = 0;
    INSERT INTO parent SELECT seq, CONCAT(${interim ? `IF(seq % 100 = 0, 'new ', 'p ')` : `'p '`}, seq), ${when('seq % 100 = 0', "'2020-03-01 00:00:00'")} FROM seq_1_to_${rows};
    INSERT INTO child SELECT seq, (seq * 7919) % ${rows} + 1, (seq % 1000) / 10, ${when('seq % 100 = 50', "'2020-03-01 00:00:00'")} FROM seq_1_to_${rows};
    ${extra}
    SET FOREIGN_KEY_CHECKS = 1;`;
}

async function setup(): Promise<void> {
  for (const [s, interim] of [
    [B, false],
    [I, true],
  ] as const) {
    const t = parseDbUrl(url(s), 'bench');
    await createSchema(t, true);
    await runScript(t, `${DDL} ${fill(interim)}`);
  }
}

async function step(kind: 'diff' | 'plan'): Promise<void> {
  const t0 = performance.now();
  let detail: unknown;
  if (kind === 'diff') {
    const doc = await runDiff({
      backup: parseDbUrl(url(B), 'b'),
      interim: parseDbUrl(url(I), 'i'),
      tables: null,
      concurrency: 4,
      method: 'auto',
      sampleLimit: 0,
      outDir: null,
      logger: silentLogger(),
    });
    detail = doc.totals;
  } else {
    const out = await mkdtemp(join(tmpdir(), 'plan-bench-'));
    const config = buildPlanConfig(
      parseConfigText(
        'incident:\n  start: "2020-02-23T19:00:00Z"\ndefaults:\n  createdAt: created_at\n',
        'bench',
      ),
      { backup: url(B), interim: url(I) },
      'bench',
    );
    const r = await runPlan({
      config,
      outDir: join(out, 'plan'),
      force: false,
      concurrency: 4,
      logger: silentLogger(),
    });
    detail = {
      totals: r.manifest.totals,
      remaps: r.manifest.remaps.map((x) => `${x.table}:${x.count}`),
    };
    await rm(out, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ kind, seconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), detail })}\n`,
  );
}

function child(kind: string): {
  kind: string;
  seconds: number;
  peakRssMB: number;
  detail: unknown;
} {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), kind, server, String(rows)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

if (isStep) {
  await step(mode);
} else {
  const t0 = performance.now();
  await setup();
  process.stdout.write(
    `generated ${rows} parents + ${rows} children per side in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  const diff = child('diff');
  const plan = child('plan');
  for (const r of [diff, plan]) process.stdout.write(`${JSON.stringify(r)}\n`);
  process.stdout.write(`plan / diff time: ${(plan.seconds / diff.seconds).toFixed(2)}x\n`);
  if (process.env.KEEP !== '1') {
    await dropSchema(parseDbUrl(url(B), 'b'));
    await dropSchema(parseDbUrl(url(I), 'i'));
  }
}
