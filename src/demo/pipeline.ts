/**
 * The pipeline after the diff, as the demo runs it: the same orchestrators the commands call,
 * in process, each result narrated.
 */
import type { Logger } from 'pino';
import { loadPlanConfig } from '../config/load-config.js';
import type { Progress } from '../diff/progress.js';
import type { PlanManifest } from '../plan/format.js';
import { runPlan } from '../plan/run-plan.js';
import { n } from './narrate.js';

export interface PipelineContext {
  readonly logger: Logger;
  readonly progress: Progress;
  /** the password of the demo's server, handed to the plan's endpoints as MYSQL_PWD would be */
  readonly env: NodeJS.ProcessEnv;
}

export async function planStep(
  ctx: PipelineContext,
  configFile: string,
  planDir: string,
): Promise<PlanManifest> {
  const config = await loadPlanConfig(configFile, {}, ctx.env);
  const r = await runPlan({
    config,
    outDir: planDir,
    force: true,
    concurrency: 4,
    logger: ctx.logger,
    progress: ctx.progress,
  });
  return r.manifest;
}

export function planLines(m: PlanManifest, dir: string): string[] {
  const t = m.totals;
  const remapped = m.remaps.reduce((s, r) => s + r.count, 0);
  return [
    `plan ${m.planId.slice(0, 12)}: ${n(t.insert)} inserts, ${n(t.update)} updates, ${n(t.delete)} deletes, ${n(t.unresolved)} unresolved; written to ${dir}`,
    `classified: ${n(t.identical)} identical, ${n(t.changed)} edited, ${n(t.onlyBackup)} only in backup, ${n(t.onlyInterim)} only in interim, ${n(t.collision)} collisions`,
    `${n(remapped)} interim rows get new ids, their references rewritten:`,
    ...m.remaps.map(
      (r) =>
        `  ${r.table}.${r.column}: ${n(r.count)} rows → ${r.first}..${r.last}${r.followedBy.length > 0 ? ` (${r.followedBy.join(', ')})` : ''}`,
    ),
    ...m.tables.flatMap((x) => x.notes.map((note) => `${x.table}: ${note}`)),
  ];
}
