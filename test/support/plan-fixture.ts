import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPlanConfig, type PlanFlags, parseConfigText } from '../../src/config/load-config.js';
import type { DbTarget } from '../../src/db/url.js';
import { silentLogger } from '../../src/log.js';
import { type PlanResult, runPlan } from '../../src/plan/run-plan.js';
import { type CliResult, runCli } from './cli.js';
import { loadScenario, SCENARIOS_DIR, type Scenario } from './scenario.js';
import { sql, type TestSchemas, urlOf } from './schemas.js';
import { tempDir } from './temp.js';

/** A scenario loaded into fresh backup and interim schemas. */
export interface Loaded {
  readonly scenario: Scenario;
  readonly backup: DbTarget;
  readonly interim: DbTarget;
}

export async function loadInto(schemas: TestSchemas, name: string, label: string): Promise<Loaded> {
  const scenario = await loadScenario(join(SCENARIOS_DIR, name));
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  await sql(backup, scenario.backupSql);
  await sql(interim, scenario.interimSql);
  return { scenario, backup, interim };
}

/** Plans a loaded scenario into a new temporary folder. */
export async function planLoaded(
  l: Loaded,
  options: { flags?: PlanFlags; chunkRows?: number; out?: string } = {},
): Promise<PlanResult> {
  const config = buildPlanConfig(
    parseConfigText(l.scenario.configText, 'config.yaml'),
    { backup: urlOf(l.backup.schema), interim: urlOf(l.interim.schema), ...options.flags },
    'config.yaml',
  );
  const out = options.out ?? join(await tempDir('plan'), 'plan');
  return runPlan({
    config,
    outDir: out,
    force: false,
    concurrency: 2,
    logger: silentLogger(),
    chunkRows: options.chunkRows,
  });
}

/**
 * `reconcile plan` through the CLI, as a user runs it: `configText` written to `work`/config.yaml,
 * the plan made into `work`/plan from the two schemas. Returns the plan folder and the run.
 */
export async function planByCli(
  work: string,
  configText: string,
  backup: DbTarget,
  interim: DbTarget,
  ...more: string[]
): Promise<{ readonly dir: string; readonly result: CliResult }> {
  const config = join(work, 'config.yaml');
  await writeFile(config, configText);
  const dir = join(work, 'plan');
  const result = await runCli([
    'plan',
    '--config',
    config,
    '--backup',
    urlOf(backup.schema),
    '--interim',
    urlOf(interim.schema),
    '--out',
    dir,
    ...more,
  ]);
  return { dir, result };
}
