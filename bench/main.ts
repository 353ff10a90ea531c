/**
 * `npm run bench`: generates the benchmark schemas, then per case runs, side by side in one run,
 * - `reconcile diff` (the built CLI, in a child process, so its peak RSS is its own),
 * - `pt-table-sync --print` on the same pair, when installed,
 * - CHECKSUM TABLE of both tables in parallel (the server's own full scan: the floor),
 * and prints one JSON line per case on stdout (progress goes to stderr).
 *
 * Flags (or environment): --cases scattered,clustered,identical (BENCH_CASES)
 *   --scattered-rows N (BENCH_SCATTERED_ROWS, default 2000000)
 *   --clustered-rows N (BENCH_CLUSTERED_ROWS, default 2000000)
 *   --identical-rows N (BENCH_IDENTICAL_ROWS, default 10000000)
 *   --rows N (every case) --url mysql://user@host:port (MYSQL_URL) --no-pt --fresh --drop
 *   --method auto|client|checksum --concurrency N --repeat N (best of N for each tool)
 *   --no-profile (skip the per-step server profile: whole-table queries of each step)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type DbTarget, describeTarget, parseDbUrl } from '../src/db/url.js';
import {
  BENCH_TABLE,
  type BenchCase,
  dropCase,
  type Expected,
  prepareCase,
  schemaNames,
} from './generate.js';
import {
  checksumFloor,
  hasCommand,
  type ProcessRun,
  runMeasured,
  runPtTableSync,
} from './measure.js';
import { serverProfile } from './profile.js';

const DEFAULT_ROWS = { scattered: 2_000_000, clustered: 2_000_000, identical: 10_000_000 };
const CLI = resolve(import.meta.dirname, '../../cli/main.js');

interface Options {
  readonly cases: BenchCase[];
  readonly server: DbTarget;
  readonly pt: boolean;
  readonly profile: boolean;
  readonly fresh: boolean;
  readonly drop: boolean;
  readonly method: string;
  readonly concurrency: string | null;
  readonly repeat: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      rows: { type: 'string' },
      'scattered-rows': { type: 'string' },
      'clustered-rows': { type: 'string' },
      'identical-rows': { type: 'string' },
      url: { type: 'string' },
      'no-pt': { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      fresh: { type: 'boolean' },
      drop: { type: 'boolean' },
      method: { type: 'string' },
      concurrency: { type: 'string' },
      repeat: { type: 'string' },
    },
  });
  const env = process.env;
  const names = (values.cases ?? env.BENCH_CASES ?? 'scattered,clustered,identical')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const cases = names.map((name): BenchCase => {
    if (name !== 'scattered' && name !== 'clustered' && name !== 'identical') {
      throw new Error(`unknown case ${JSON.stringify(name)} (scattered, clustered, identical)`);
    }
    const raw =
      values[`${name}-rows`] ??
      values.rows ??
      env[`BENCH_${name.toUpperCase()}_ROWS`] ??
      env.BENCH_ROWS ??
      String(DEFAULT_ROWS[name]);
    const rows = Number(raw);
    if (!Number.isSafeInteger(rows) || rows < 1000) throw new Error(`bad row count ${raw}`);
    return { name, rows };
  });
  const url = (values.url ?? env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(
    /\/[^/@]*$/,
    '',
  );
  return {
    cases,
    server: parseDbUrl(`${url}/information_schema`, '--url'),
    pt: !values['no-pt'] && hasCommand('pt-table-sync'),
    profile: !values['no-profile'],
    fresh: values.fresh === true,
    drop: values.drop === true,
    method: values.method ?? 'auto',
    concurrency: values.concurrency ?? null,
    repeat: Math.max(1, Number(values.repeat ?? env.BENCH_REPEAT ?? 1)),
  };
}

function log(m: string): void {
  process.stderr.write(`[bench] ${m}\n`);
}

function url(server: DbTarget, schema: string): string {
  return describeTarget({ ...server, schema } as DbTarget);
}

/** The best (fastest) of `n` runs; the peak RSS is the largest seen. */
async function best<T extends { seconds: number; peakRssMB?: number | null }>(
  n: number,
  run: () => Promise<T>,
): Promise<T> {
  let out: T | null = null;
  let peak: number | null = null;
  for (let k = 0; k < n; k++) {
    const r = await run();
    if (r.peakRssMB != null) peak = Math.max(peak ?? 0, r.peakRssMB);
    if (!out || r.seconds < out.seconds) out = r;
  }
  return { ...(out as T), peakRssMB: peak };
}

interface DiffTable {
  identical: number;
  changed: number;
  onlyBackup: number;
  onlyInterim: number;
  chunks: number;
  chunksSkipped: number;
  method: string;
  methodNote: string | null;
}

async function runReconcile(
  o: Options,
  c: BenchCase,
): Promise<ProcessRun & { table: DiffTable | null; profile: unknown }> {
  const names = schemaNames(c);
  const args = [
    CLI,
    'diff',
    '--backup',
    url(o.server, names.backup),
    '--interim',
    url(o.server, names.interim),
    '--tables',
    BENCH_TABLE,
    '--json',
    '--method',
    o.method,
    '--log-level',
    'debug',
  ];
  if (o.concurrency) args.push('--concurrency', o.concurrency);
  const run = await runMeasured(process.execPath, args, {
    ...process.env,
    MYSQL_PWD: o.server.password ?? '',
  });
  if (run.code !== 0 && run.code !== 1) {
    throw new Error(`reconcile diff failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  }
  const doc = JSON.parse(run.stdout) as { tables: (DiffTable & { table: string })[] };
  const table = doc.tables.find((t) => t.table === BENCH_TABLE) ?? null;
  let profile: unknown = null;
  for (const line of run.stderr.split('\n')) {
    if (!line.includes('"table.prepass"')) continue;
    const { level: _l, time: _t, msg: _m, event: _e, table: _tb, ...rest } = JSON.parse(line);
    profile = rest;
  }
  return { ...run, stdout: '', table, profile };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function runCase(o: Options, c: BenchCase): Promise<Record<string, unknown>> {
  const expected: Expected = await prepareCase(o.server, c, o.fresh, log);
  const names = schemaNames(c);
  const tables = [
    { schema: names.backup, table: BENCH_TABLE },
    { schema: names.interim, table: BENCH_TABLE },
  ];
  const rows = expected.backupRows + expected.interimRows;

  // Floor before and after the tools, the faster counts: a noisy neighbour only slows runs.
  log(`${c.name}: CHECKSUM TABLE floor`);
  const floors = [await checksumFloor(o.server, tables)];
  log(`${c.name}: reconcile diff`);
  const rec = await best(o.repeat, () => runReconcile(o, c));
  let pt: (ProcessRun & { statements: number }) | null = null;
  if (o.pt) {
    log(`${c.name}: pt-table-sync --print`);
    pt = await best(o.repeat, () =>
      runPtTableSync(o.server, names.backup, names.interim, BENCH_TABLE),
    );
  }
  floors.push(await checksumFloor(o.server, tables));
  const floor = Math.min(...floors);
  let serverSteps: Record<string, number> | null = null;
  if (o.profile) {
    log(`${c.name}: server profile`);
    serverSteps = await serverProfile(o.server, names, BENCH_TABLE);
  }

  const t = rec.table;
  const found = t
    ? { changed: t.changed, onlyBackup: t.onlyBackup, onlyInterim: t.onlyInterim }
    : null;
  const correct =
    found !== null &&
    found.changed === expected.changed &&
    found.onlyBackup === expected.onlyBackup &&
    found.onlyInterim === expected.onlyInterim;
  const expectedStatements = expected.changed + expected.onlyBackup + expected.onlyInterim;
  const ratioFloor = rec.seconds / floor;
  const ptRatio = pt ? pt.seconds / rec.seconds : null;
  const rssOk = rec.peakRssMB !== null && rec.peakRssMB < 250;
  return {
    case: c.name,
    rows: { backup: expected.backupRows, interim: expected.interimRows },
    expected: {
      changed: expected.changed,
      onlyBackup: expected.onlyBackup,
      onlyInterim: expected.onlyInterim,
    },
    reconcile: {
      seconds: round(rec.seconds),
      rowsPerSecond: Math.round(rows / rec.seconds),
      peakRssMB: rec.peakRssMB,
      found,
      correct,
      method: t?.method ?? null,
      methodNote: t?.methodNote ?? null,
      chunks: t?.chunks ?? null,
      chunksSkipped: t?.chunksSkipped ?? null,
      profile: rec.profile,
    },
    ptTableSync: pt
      ? {
          seconds: round(pt.seconds),
          rowsPerSecond: Math.round(rows / pt.seconds),
          peakRssMB: pt.peakRssMB,
          statements: pt.statements,
          correct: pt.statements === expectedStatements,
        }
      : null,
    floor: {
      seconds: round(floor),
      rowsPerSecond: Math.round(rows / floor),
      runs: floors.map((f) => round(f)),
    },
    /** whole-table queries, both sides in parallel: what each step of the per-row work costs */
    serverProfileSeconds: serverSteps,
    ratios: {
      ptTableSyncOverReconcile: ptRatio === null ? null : round(ptRatio, 2),
      reconcileOverFloor: round(ratioFloor, 2),
    },
    targets: targets(c, ratioFloor, ptRatio, rssOk),
  };
}

function targets(
  c: BenchCase,
  overFloor: number,
  ptRatio: number | null,
  rssOk: boolean,
): Record<string, boolean | null> {
  const out: Record<string, boolean | null> = { peakRssUnder250MB: rssOk };
  if (c.name === 'scattered') {
    out.atLeast10xFasterThanPtTableSync = ptRatio === null ? null : ptRatio >= 10;
    out.within2xOfFloor = overFloor <= 2;
  }
  if (c.name === 'clustered') out.within1_5xOfFloor = overFloor <= 1.5;
  return out;
}

async function main(): Promise<void> {
  const o = options();
  log(`server ${describeTarget(o.server)}; pt-table-sync ${o.pt ? 'found' : 'not run'}`);
  for (const c of o.cases) {
    const line = await runCase(o, c);
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (o.drop) await dropCase(o.server, c);
  }
}

await main();
