/**
 * `npm run bench:scale`: issue 11's benchmark (DESIGN.md §10), side by side in one run. It
 * starts a private MariaDB for the backup (its own data folder and port, the --url server's
 * InnoDB sizing, stopped at the end), generates a restore-heavy incident (scale-incident.ts) on
 * both servers, measures every command of the built CLI in a child process of its own (wall time
 * and peak RSS) next to what it is held to, and prints ONE JSON line on stdout with every
 * figure, ratio and target; progress goes to stderr.
 *
 * Flags: --rows N (backup rows in all, default 10,000,000)  --url mysql://user@host:port (the
 *   interim and target server; MYSQL_URL, else mysql://root@127.0.0.1:3306)
 *   --cases diff,resume,plan,apply,local,demo (default all)  --repeat N (fastest of N)
 *   --parallel N (apply --parallel: tables written at once; default 2)
 *   --keep (leave the schemas on the --url server and the plan folders)
 *   --demo-rows N (the demo case's --rows, default 200000)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeTarget } from '../src/db/url.js';
import { TIME } from './measure.js';
import { dataCases } from './scale-cases.js';
import { type Cleanup, runBench } from './scale-cleanup.js';
import type { CommandFigure } from './scale-cli.js';
import { demoCase } from './scale-demo.js';
import { type CaseName, scaleOptions } from './scale-options.js';
import { type Measured, ratios, targets } from './scale-report.js';
import { serverFacts } from './scale-servers.js';

const log = (m: string): void => {
  process.stderr.write(`[scale-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
};

const RSS_METHOD = existsSync(TIME)
  ? `GNU time %M (${TIME}): the child's peak resident set, from wait4's rusage`
  : '/proc/PID/status VmHWM polled every 50 ms';

/** Only what a command's figure says, for the `commands` map (details live elsewhere). */
function bare(c: CommandFigure): CommandFigure {
  return { seconds: c.seconds, peakRssMB: c.peakRssMB, exit: c.exit };
}

async function run(cleanup: Cleanup): Promise<Record<string, unknown>> {
  const o = scaleOptions(process.argv.slice(2));
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-scale-'));
  if (o.keep) log(`--keep: plan folders and diff output stay in ${dir}`);
  else cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const interimServer = await serverFacts(o.server);
  log(
    `interim server ${describeTarget(o.server)} (${interimServer.version}); cases ${[...o.cases]}`,
  );
  const needsData = [...o.cases].some((c: CaseName) => c !== 'demo');
  const data = needsData ? await dataCases(o, interimServer, dir, cleanup, log) : null;
  let demo: Awaited<ReturnType<typeof demoCase>> | undefined;
  if (o.cases.has('demo')) {
    log(`npm run demo -- --rows ${o.demoRows}`);
    demo = await demoCase(o.server, o.demoRows, dir, cleanup, o.keep);
  }
  const commands: Record<string, CommandFigure> = {};
  for (const [name, c] of Object.entries(data?.commands ?? {})) commands[name] = bare(c);
  if (demo) commands.demo = bare(demo);
  const measured: Measured = {
    restored: data?.restored ?? {
      rows: { accounts: 0, ledger: 0, ledger_lines: 0, total: 0 },
      textBytes: 0,
      innodbBytes: 0,
    },
    commands,
    ...(data?.plan ? { plan: data.plan } : {}),
    ...(data?.apply ? { apply: data.apply } : {}),
    ...(data?.dumpPipe ? { dumpPipeSeconds: data.dumpPipe.seconds } : {}),
    ...(data?.sameServer
      ? {
          applySameServer: data.sameServer.apply,
          insertSelectSeconds: data.sameServer.insertSelect.seconds,
        }
      : {}),
    ...(data?.resume ? { resume: data.resume } : {}),
    ...(demo ? { demo } : {}),
  };
  const {
    commands: _c,
    backupServer: _b,
    ...details
  } = data ?? { commands: {}, backupServer: null };
  return {
    bench: 'scale',
    rows: o.rows,
    cases: [...o.cases],
    repeat: o.repeat,
    parallel: o.parallel,
    servers: { interim: interimServer, backup: data?.backupServer ?? null },
    rssMethod: RSS_METHOD,
    commands,
    ...details,
    ...(demo ? { demo } : {}),
    ratios: ratios(measured),
    targets: targets(measured),
    totalSeconds: Math.round((performance.now() - t0) / 1000),
  };
}

await runBench(log, run);
