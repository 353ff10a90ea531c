/**
 * The pipeline after the diff, as the demo runs it: the same orchestrators the commands call,
 * in process, each result narrated and (rehearsal, verification) left in the plan folder for
 * the report.
 */
import type { Logger } from 'pino';
import { applyPlan } from '../apply/apply-plan.js';
import { DEFAULT_LIMITS } from '../apply/batches.js';
import { resolveEndpoints } from '../apply/endpoints.js';
import { openPlanSession } from '../apply/plan-session.js';
import { loadPlanConfig } from '../config/load-config.js';
import type { DbTarget } from '../db/url.js';
import type { Progress } from '../diff/progress.js';
import type { PlanManifest } from '../plan/format.js';
import { runPlan } from '../plan/run-plan.js';
import { rehearsePlan } from '../rehearse/rehearse-plan.js';
import { rehearsalResult, verificationResult } from '../report/record-results.js';
import { writeRehearsal, writeVerification } from '../report/run-results.js';
import { verifyPlan } from '../verify/verify-plan.js';
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
    ...m.tables.flatMap((x) => x.warnings.map((w) => `warning: ${x.table}: ${w}`)),
  ];
}

interface Endpoints {
  readonly target: DbTarget;
  readonly backup: DbTarget;
}

function endpoints(ctx: PipelineContext, m: PlanManifest): Endpoints {
  return resolveEndpoints(m, {}, ctx.env);
}

export async function rehearseStep(
  ctx: PipelineContext,
  dir: string,
  m: PlanManifest,
): Promise<{ ok: boolean; lines: string[] }> {
  const e = endpoints(ctx, m);
  const started = new Date();
  const r = await rehearsePlan({
    dir,
    manifest: m,
    target: e.target,
    backup: e.backup,
    inPlace: false,
    keep: false,
    allowTriggers: false,
    limits: DEFAULT_LIMITS,
    logger: ctx.logger,
    progress: ctx.progress,
  });
  const result = rehearsalResult(r, started);
  await writeRehearsal(dir, result);
  return {
    ok: result.ok,
    lines: [
      `${result.ok ? 'passed' : 'FAILED'} on a scratch copy (${result.ranOn}), dropped afterwards; the target was only read`,
      `apply took ${result.applySeconds.toFixed(2)} s there; projected window for the real run: ${result.projectedWindowSeconds.toFixed(2)} s`,
      ...(result.error ? [result.error] : []),
    ],
  };
}

export async function applyStep(
  ctx: PipelineContext,
  dir: string,
  m: PlanManifest,
): Promise<string[]> {
  const e = endpoints(ctx, m);
  const ps = await openPlanSession(dir, m, e.target, e.target.schema, ctx.logger);
  try {
    const r = await applyPlan(ps, {
      execute: true,
      allowTriggers: false,
      limits: DEFAULT_LIMITS,
      backup: e.backup,
      progress: ctx.progress,
    });
    return [
      `${n(r.rows)} rows in ${n(r.batches)} journaled batches, ${r.seconds.total.toFixed(2)} s, into ${r.target}`,
      `(the journal keeps each batch's before-images: reconcile rollback --plan ${dir} --execute would undo it)`,
    ];
  } finally {
    await ps.conn.close();
  }
}

export async function verifyStep(
  ctx: PipelineContext,
  dir: string,
  m: PlanManifest,
): Promise<{ ok: boolean; lines: string[] }> {
  const e = endpoints(ctx, m);
  const ps = await openPlanSession(dir, m, e.target, e.target.schema, ctx.logger);
  try {
    const checkedAt = new Date();
    const r = await verifyPlan(ps);
    const result = verificationResult(r, checkedAt);
    await writeVerification(dir, result);
    const bad = result.tables.filter((t) => !t.ok);
    return {
      ok: result.ok,
      lines: result.ok
        ? [
            `ok: all ${result.tables.length} tables hold exactly the planned rows (digests equal, no orphans, no duplicated unique key)`,
          ]
        : [
            `MISMATCH on ${bad.length} of ${result.tables.length} tables:`,
            ...bad.map((t) => `  ${t.table}: ${t.detail ?? 'digest differs'}`),
          ],
    };
  } finally {
    await ps.conn.close();
  }
}
