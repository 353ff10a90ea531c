#!/usr/bin/env node
/**
 * `npm run demo [-- --rows N --seed S --out DIR]`: generates an incident on the local server
 * (or MYSQL_URL) and runs the whole pipeline on it, narrating each step.
 */
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { exitCodeFor } from '../cli/exit.js';
import { logLevel, positiveInt } from '../cli/options.js';
import { createProgress } from '../cli/progress-bar.js';
import { ExitCode } from '../errors.js';
import { boundHeapGrowth } from '../heap-policy.js';
import { createLogger, type LogLevel } from '../log.js';
import { DEMO_PREFIX } from './demo-config.js';
import { DEFAULT_SERVER, describeServer, ensureServer } from './ensure-server.js';
import { DEFAULT_INCIDENT } from './incident.js';
import { runDemo } from './run-demo.js';

interface DemoFlags {
  rows: number;
  prefix: string;
  seed: number;
  out: string;
  logLevel: LogLevel;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('npm run demo --')
    .description('generate a data-loss incident and run the whole reconcile pipeline on it')
    .option(
      '--rows <n>',
      'orders in the backup (every table scales with it)',
      positiveInt(10_000_000),
      DEFAULT_INCIDENT.rows,
    )
    .option(
      '--seed <n>',
      'the incident generator seed',
      positiveInt(2 ** 31),
      DEFAULT_INCIDENT.seed,
    )
    .option(
      '--prefix <name>',
      'the demo schemas are NAME_backup and NAME_interim (dropped and made again)',
      DEMO_PREFIX,
    )
    .option('--out <dir>', 'where the config, diff, plan and report go', '.reconcile-demo')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'warn')
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`demo: ${str.replace(/^error: /, '').trim()}\n`),
    });
  let flags: DemoFlags;
  try {
    program.parse(argv as string[]);
    flags = program.opts<DemoFlags>();
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help'
        ? ExitCode.ok
        : ExitCode.usage;
    }
    throw e;
  }
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  try {
    const t0 = performance.now();
    const logger = createLogger(flags.logLevel);
    say('reconcile demo: a shop loses its database, runs on an interim one, and merges them back');
    say('');
    const { url, server } = await ensureServer(process.env.MYSQL_URL ?? DEFAULT_SERVER, say);
    say(`   server    ${describeServer(url)} (${server.version})`);
    const out = resolve(flags.out);
    const result = await runDemo({
      server: url,
      serverInfo: server,
      rows: flags.rows,
      seed: flags.seed,
      prefix: flags.prefix,
      outDir: out,
      logger,
      progress: createProgress('rows'),
      say,
    });
    say('');
    const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    say(
      result.verified
        ? `verified: the merged database holds exactly what the plan promised (${took} in all)`
        : `NOT VERIFIED: see the report (${took} in all)`,
    );
    say(`report: ${result.reportHtml}`);
    return result.verified ? ExitCode.ok : ExitCode.differences;
  } catch (e) {
    return exitCodeFor(e, (line) => process.stderr.write(`${line}\n`));
  }
}

// `npm run demo | head`: a closed pipe ends the demo quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(ExitCode.ok);
  throw e;
});
boundHeapGrowth();
const code = await main(process.argv);
await new Promise<void>((resolveDrain) => process.stdout.write('', () => resolveDrain()));
process.exit(code);
