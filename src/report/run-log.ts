/**
 * The plan folder's log of the runs made with it (`runs.jsonl`, one line per run): which
 * command, when, how it ended. `report` shows the latest state of each step from it, so it never
 * says "verified" about a target that was rolled back since, nor "not run" about a rehearsal
 * that failed. Appending is best effort: a read-only plan folder costs the report its history,
 * never the run its result.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const RUN_LOG_FILE = 'runs.jsonl';

export type RunCommand = 'apply' | 'rollback' | 'rehearse' | 'verify';

export interface RunEntry {
  readonly planId: string;
  readonly command: RunCommand;
  /** ISO time the run started */
  readonly at: string;
  readonly seconds: number;
  /** ok: did what it was asked; failed: refused, or found a mismatch; interrupted: stopped */
  readonly outcome: 'ok' | 'failed' | 'interrupted';
  /** the refusal's reason (errors.ts), or null */
  readonly reason: string | null;
  /** one line */
  readonly message: string | null;
}

const entry = z.object({
  planId: z.string(),
  command: z.enum(['apply', 'rollback', 'rehearse', 'verify']),
  at: z.string(),
  seconds: z.number(),
  outcome: z.enum(['ok', 'failed', 'interrupted']),
  reason: z.string().nullable(),
  message: z.string().nullable(),
});

export async function appendRun(planDir: string, e: RunEntry): Promise<boolean> {
  try {
    await appendFile(join(planDir, RUN_LOG_FILE), `${JSON.stringify(e)}\n`);
    return true;
  } catch {
    return false;
  }
}

/** The runs of `planId` the folder records, oldest first (lines of another shape are skipped). */
export async function readRuns(planDir: string, planId: string): Promise<RunEntry[]> {
  let text: string;
  try {
    text = await readFile(join(planDir, RUN_LOG_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: RunEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = entry.safeParse(JSON.parse(line));
      if (r.success && r.data.planId === planId) out.push(r.data);
    } catch {
      // a torn last line (a run killed while appending): skipped
    }
  }
  return out;
}

/** The latest run of each command. */
export function latestRuns(runs: readonly RunEntry[]): Partial<Record<RunCommand, RunEntry>> {
  const out: Partial<Record<RunCommand, RunEntry>> = {};
  for (const r of runs) out[r.command] = r;
  return out;
}
