/**
 * `npm run bench:live`: issue 12's benchmark, side by side in one run. On the --url server
 * (MYSQL_URL), in schemas of its own (`rc_live_*`, dropped at the end unless --keep), it
 * generates the restore-heavy incident of bench:scale from the SEQUENCE engine, with enough
 * colliding sign-ups for `--remapped` rows to be remapped, and three identical targets (copies of
 * the interim made by the same generator), each with its own plan. Then, each apply in a child
 * process of its own (wall time, peak RSS):
 * - `apply --execute` (strict) on the first target, for reference;
 * - `apply --execute --live` on the second, quiet;
 * - `apply --execute --live` on the third while the load generator writes at `--rate` writes/s
 *   (started once the apply has reserved the fresh ids and committed its first batch: a sign-up
 *   before that would take a fresh id, and apply would rightly refuse), then, after a pause for
 *   the server to settle, the generator alone for as long again: its baseline.
 * Prints one JSON line on stdout with every figure, the ratios and the targets (the generator's
 * p99 under 100 ms while apply runs; apply under load within 2× a quiet apply); progress on
 * stderr.
 *
 * Flags: --rows N (backup rows, default 400,000: about 300,000 restored)  --remapped N (default
 *   5,000)  --rate N (writes/s, default 200)  --connections N (default 16)  --seed N  --url URL
 *   --keep  --batch-seconds S (the live applies' --batch-seconds; the CLI's default otherwise)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, dropSchema } from '../src/db/mysql.js';
import { quoteTable } from '../src/db/quote.js';
import { type DbTarget, describeTarget, withSchema } from '../src/db/url.js';
import { JOURNAL_TABLE } from '../src/introspect/reserved.js';
import { LEDGER_LOAD } from './live-load-shape.js';
import { type LiveOptions, liveOptions } from './live-options.js';
import { type ApplyRun, applied, firstBatch } from './live-runs.js';
import { LoadGenerator, type LoadReport } from './load-generator.js';
import { makePlan, type PlanFigure } from './scale-apply.js';
import { type Cleanup, runBench } from './scale-cleanup.js';
import { reconcile, round } from './scale-cli.js';
import { type IncidentShape, incidentShape } from './scale-incident.js';
import { loadSide, restoredData } from './scale-schemas.js';
import { serverFacts } from './scale-servers.js';

const log = (m: string): void => {
  process.stderr.write(`[live-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
};

const SETTLE_MS = 5000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One sign-up per this many accounts gives about `remapped` colliding ones (3 of 4 collide). */
function withRemapped(rows: number, remapped: number): IncidentShape {
  const s = incidentShape(rows);
  return { ...s, signupEvery: Math.max(1, Math.floor((0.75 * s.accounts) / remapped)) };
}

interface Targets {
  readonly backup: DbTarget;
  readonly plans: Record<'strict' | 'quiet' | 'load', { target: DbTarget; plan: PlanFigure }>;
}

async function prepare(o: LiveOptions, dir: string, cleanup: Cleanup): Promise<Targets> {
  const shape = withRemapped(o.rows, o.remapped);
  const schema = (name: string): DbTarget => {
    const t = withSchema(o.server, `rc_live_${name}`);
    if (!o.keep) cleanup.add(`drop ${t.schema}`, () => dropSchema(t));
    return t;
  };
  const backup = schema('backup');
  const interim = schema('interim');
  log(`generating ${o.rows.toLocaleString('en-US')} backup rows, the interim and 3 targets`);
  await loadSide(backup, shape, 'backup');
  await loadSide(interim, shape, 'interim');
  const password = o.server.password ?? undefined;
  const target = async (name: string): Promise<{ target: DbTarget; plan: PlanFigure }> => {
    const t = schema(name);
    await loadSide(t, shape, 'interim');
    log(`plan of target ${t.schema}`);
    return {
      target: t,
      plan: await makePlan({ backup, interim, target: t, password }, dir, name, 1),
    };
  };
  const strict = await target('strict');
  const quiet = await target('quiet');
  const load = await target('load');
  return { backup, plans: { strict, quiet, load } };
}

/** The live applies' --batch-seconds, when the bench was given one. */
function batchFlag(o: LiveOptions): string[] {
  return o.batchSeconds === null ? [] : ['--batch-seconds', o.batchSeconds];
}

/** The third apply: under the generator's writes, then the generator's baseline. */
async function underLoad(
  o: LiveOptions,
  target: DbTarget,
  plan: PlanFigure,
): Promise<{ apply: ApplyRun; load: LoadReport; loadedSeconds: number }> {
  const password = o.server.password ?? undefined;
  const running = reconcile(
    ['apply', '--plan', plan.dir, '--json', '--execute', '--live', ...batchFlag(o)],
    password,
  );
  await firstBatch(target, running);
  log(`generator: ${o.rate} writes/s on ${o.connections} connections, seed ${o.seed}`);
  const gen = await LoadGenerator.start({
    target,
    tables: LEDGER_LOAD,
    rate: o.rate,
    seed: o.seed,
    connections: o.connections,
    phase: 'during',
  });
  const t0 = performance.now();
  try {
    const apply = applied(await running);
    const loadedSeconds = (performance.now() - t0) / 1000;
    gen.phase('settle');
    log(
      `apply done; ${SETTLE_MS / 1000} s to settle, then ${round(loadedSeconds, 1)} s of baseline`,
    );
    await sleep(SETTLE_MS);
    gen.phase('baseline');
    await sleep(loadedSeconds * 1000);
    const load = await gen.stop();
    await trace(target, gen);
    return { apply, load, loadedSeconds: round(loadedSeconds) };
  } finally {
    await gen.stop();
  }
}

/**
 * With LIVE_BENCH_TRACE=DIR: the loaded run's writes (DIR/writes.jsonl: kind, due, began,
 * committed, latency) and the apply's batches as its journal holds them (DIR/batches.jsonl:
 * seq, table, phase, rows, when each committed), to line up slow writes with batches.
 */
async function trace(target: DbTarget, gen: LoadGenerator): Promise<void> {
  const dir = process.env.LIVE_BENCH_TRACE;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  const writes = gen.log.map((w) =>
    JSON.stringify({
      kind: `${w.table} ${w.op}`,
      phase: w.phase,
      began: w.began,
      committed: w.committed,
      latencyMs: round(w.latencyMs, 2),
      serviceMs: round(w.serviceMs, 2),
    }),
  );
  await writeFile(join(dir, 'writes.jsonl'), `${writes.join('\n')}\n`);
  const c = await connect(target);
  try {
    const rows = await c.query<Record<string, unknown>>(
      `SELECT seq, kind, table_name AS tbl, phase, row_count AS \`rows\`, UNIX_TIMESTAMP(at) * 1000 AS at FROM ${quoteTable(target.schema, JOURNAL_TABLE)} ORDER BY seq`,
    );
    await writeFile(
      join(dir, 'batches.jsonl'),
      `${rows.map((r) => JSON.stringify({ ...r, at: Number(r.at) })).join('\n')}\n`,
    );
  } finally {
    await c.close();
  }
  log(`trace in ${dir}`);
}

async function run(cleanup: Cleanup): Promise<Record<string, unknown>> {
  const o = liveOptions(process.argv.slice(2));
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-live-'));
  if (o.keep) log(`--keep: plan folders stay in ${dir}`);
  else cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const server = await serverFacts(o.server);
  log(`server ${describeTarget(o.server)} (${server.version})`);
  const { backup, plans } = await prepare(o, dir, cleanup);
  const restored = await restoredData(backup, withRemapped(o.rows, o.remapped));
  const password = o.server.password ?? undefined;
  const apply = (p: PlanFigure, live: boolean): Promise<ApplyRun> => {
    log(`apply --execute${live ? ' --live' : ''} (${p.dir})`);
    const args = ['apply', '--plan', p.dir, '--json', '--execute'];
    if (live) args.push('--live', ...batchFlag(o));
    return reconcile(args, password).then(applied);
  };
  const strict = await apply(plans.strict.plan, false);
  const quiet = await apply(plans.quiet.plan, true);
  log('apply --execute --live under load');
  const loaded = await underLoad(o, plans.load.target, plans.load.plan);
  return report(o, { server, restored, plans, strict, quiet, loaded, t0 });
}

function report(
  o: LiveOptions,
  r: {
    server: Awaited<ReturnType<typeof serverFacts>>;
    restored: Awaited<ReturnType<typeof restoredData>>;
    plans: Targets['plans'];
    strict: ApplyRun;
    quiet: ApplyRun;
    loaded: Awaited<ReturnType<typeof underLoad>>;
    t0: number;
  },
): Record<string, unknown> {
  const during = r.loaded.load.phases.during;
  const baseline = r.loaded.load.phases.baseline;
  const ratio = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || b === 0 ? null : round(a / b, 2);
  const overQuiet = ratio(r.loaded.apply.seconds, r.quiet.seconds);
  const p99 = during?.latencyMs.p99;
  const { phases: _p, ...generator } = r.loaded.load;
  return {
    bench: 'live',
    rows: o.rows,
    batchSeconds: o.batchSeconds === null ? 'default' : Number(o.batchSeconds),
    restoredRows: r.restored.rows.total,
    remaps: r.plans.load.plan.remaps,
    planTotals: r.plans.load.plan.totals,
    server: r.server,
    applies: { strict: r.strict, quietLive: r.quiet, liveUnderLoad: r.loaded.apply },
    generator: {
      ...generator,
      loadedSeconds: r.loaded.loadedSeconds,
      during: during ?? null,
      baseline: baseline ?? null,
    },
    ratios: {
      liveUnderLoadOverQuiet: overQuiet,
      quietLiveOverStrict: ratio(r.quiet.seconds, r.strict.seconds),
      p99DuringOverBaseline: ratio(p99, baseline?.latencyMs.p99),
      p50DuringOverBaseline: ratio(during?.latencyMs.p50, baseline?.latencyMs.p50),
    },
    targets: {
      generatorP99Ms: { value: p99 ?? null, max: 100, met: p99 !== undefined && p99 < 100 },
      applyUnderLoadOverQuiet: {
        value: overQuiet,
        max: 2,
        met: overQuiet !== null && overQuiet <= 2,
      },
    },
    totalSeconds: Math.round((performance.now() - r.t0) / 1000),
  };
}

await runBench(log, run);
