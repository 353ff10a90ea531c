import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadVerifiedPlan, readActions } from '../plan/plan-files.js';
import { type ReportData, TableActionSummary } from './report-data.js';
import { latestRuns, readRuns } from './run-log.js';
import {
  parseRehearsal,
  parseVerification,
  REHEARSAL_FILE,
  type RunFile,
  VERIFICATION_FILE,
} from './run-results.js';

export interface LoadReportOptions {
  /** conflict and change samples shown per table */
  readonly samples: number;
}

/**
 * Reads a plan folder for a report: the manifest (refusing an edited plan, as apply does), one
 * pass over every action file (memory bounded by the samples kept), and the rehearsal and
 * verification results and the run log when present.
 */
export async function loadReport(dir: string, options: LoadReportOptions): Promise<ReportData> {
  const manifest = await loadVerifiedPlan(dir);
  const byName = new Map(manifest.tables.map((t) => [t.table, t]));
  // Write order first; any table the order does not name (none, in a well-formed plan) after.
  const ordered = [
    ...manifest.order.flatMap((n) => byName.get(n) ?? []),
    ...manifest.tables.filter((t) => !manifest.order.includes(t.table)),
  ];
  const tables = [];
  for (const plan of ordered) {
    const summary = new TableActionSummary(options.samples);
    const table = `${manifest.sources.target.schema}.${plan.table}`;
    for await (const a of readActions(dir, plan.file, table)) summary.add(a);
    tables.push(summary.result(plan));
  }
  return {
    planDir: dir,
    manifest,
    tables,
    rehearsal: await readRunFile(join(dir, REHEARSAL_FILE), (j) =>
      parseRehearsal(j, manifest.planId),
    ),
    verification: await readRunFile(join(dir, VERIFICATION_FILE), (j) =>
      parseVerification(j, manifest.planId),
    ),
    runs: latestRuns(await readRuns(dir, manifest.planId)),
  };
}

async function readRunFile<T>(
  path: string,
  parse: (json: unknown) => RunFile<T>,
): Promise<RunFile<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return { state: 'absent' };
    throw e;
  }
  try {
    return parse(JSON.parse(text));
  } catch {
    return { state: 'invalid', problem: 'not valid JSON' };
  }
}
