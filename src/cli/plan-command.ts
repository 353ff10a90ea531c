import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadPlanConfig } from '../config/load-config.js';
import type { PlanConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import { SQL_FILE } from '../plan/format.js';
import { renderPlanSummary } from '../plan/render-summary.js';
import { runPlan } from '../plan/run-plan.js';
import {
  askPasswords,
  type ConnectionFlags,
  connectionOptions,
  readClientDefaults,
} from './connection-options.js';
import { DEFAULT_CONCURRENCY, logLevel, positiveInt } from './options.js';
import { refreshInput, refreshSummary } from './plan-refresh.js';
import { createProgress } from './progress-bar.js';

interface PlanFlagsRaw extends ConnectionFlags {
  config?: string;
  backup?: string;
  interim?: string;
  target?: string;
  out?: string;
  sql?: boolean;
  json?: boolean;
  force?: boolean;
  concurrency: number;
  chunkRows?: number;
  resume: boolean;
  logLevel: LogLevel;
  refresh?: string;
}

export function registerPlan(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('plan')
    .description(
      'decide, row by row, how the backup and the interim merge; write a reviewable plan folder',
    )
    .option('--config <file>', 'YAML or JSON config (policies per table); flags override it')
    .option('--backup <url>', 'restored backup: mysql://user[:password]@host:port/schema')
    .option('--interim <url>', 'interim database: mysql://user[:password]@host:port/schema')
    .option(
      '--target <url>',
      '"interim" (merge in place, the default) or another schema holding a copy',
    )
    .option('--out <dir>', 'the plan folder to write')
    .option(
      '--refresh <plan_dir>',
      'plan again only the rows a live apply of that plan deferred (its journal on the target), with the same config: a follow-up plan',
    )
    .option('--sql', 'also print plan.sql on stdout')
    .option('--json', 'print plan.json on stdout')
    .option('--force', 'replace an existing plan in --out')
    .option('--no-resume', 'start over instead of going on from an interrupted plan into --out')
    .option('--concurrency <n>', 'chunks compared at once', positiveInt(64), DEFAULT_CONCURRENCY)
    .option('--chunk-rows <n>', 'fixed rows per diff chunk (tuning)', positiveInt(10_000_000))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'info')
    .action(async (flags: PlanFlagsRaw) => {
      // The config and every flag are validated before anything connects.
      const logger = createLogger(flags.logLevel);
      const files = await readClientDefaults(flags, logger);
      const loaded = await loadPlanConfig(
        flags.config ?? null,
        { backup: flags.backup, interim: flags.interim, target: flags.target, out: flags.out },
        process.env,
        files,
      );
      const out = loaded.out;
      if (out === null) throw new UsageError('plan: --out DIR is required (or out: in the config)');
      if (flags.json && flags.sql)
        throw new UsageError('plan: --json and --sql both print on stdout: choose one');
      const config = await withPasswords(loaded, flags.askPass === true);
      const refresh = flags.refresh ? await refreshInput(flags.refresh, config, logger) : null;
      if (refresh && refresh.keys.size === 0) {
        process.stdout.write(
          `plan ${refresh.manifest.planId.slice(0, 12)}: its journal on the target records no deferred row: nothing to refresh (no plan written)\n`,
        );
        setExit(0);
        return;
      }
      const result = await runPlan({
        config,
        outDir: out,
        force: flags.force === true,
        concurrency: flags.concurrency,
        chunkRows: flags.chunkRows,
        resume: flags.resume,
        logger,
        progress: createProgress('rows'),
        ...(refresh ? { keys: refresh.keys } : {}),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(result.manifest, null, 2)}\n`);
      else if (flags.sql) process.stdout.write(await readFile(join(result.dir, SQL_FILE), 'utf8'));
      else {
        process.stdout.write(renderPlanSummary(result.manifest, result.dir));
        if (refresh)
          process.stdout.write(await refreshSummary(refresh, result.dir, result.manifest));
      }
      setExit(0);
    });
  connectionOptions(cmd);
}

/** The config with the passwords asked for (a target on the interim's login shares its prompt). */
async function withPasswords(c: PlanConfig, askPass: boolean): Promise<PlanConfig> {
  const asked = await askPasswords(
    { backup: c.backup, interim: c.interim, target: c.target ?? c.interim },
    askPass,
  );
  return Object.freeze({
    ...c,
    backup: asked.backup,
    interim: asked.interim,
    target: c.target === null ? null : asked.target,
  });
}
