/**
 * The report's lines that come from the plan folder's run log (run-log.ts): whether apply ran
 * and how it ended, and what a later run changes about the rehearsal and verification files'
 * results (a rollback after a verification, a rehearsal or verification that stopped on an
 * error and so left no result file). Pure.
 */
import type { StatusLine } from './report-data.js';
import type { RunCommand, RunEntry } from './run-log.js';
import type { RehearsalResult, RunFile, VerificationResult } from './run-results.js';

export type LatestRuns = Partial<Record<RunCommand, RunEntry>>;

/** apply's line: applied, failed, interrupted, rolled back since, or no run recorded. */
export function applyStatus(runs: LatestRuns): StatusLine {
  const apply = runs.apply;
  const rollback = runs.rollback;
  if (rollback && (!apply || apply.at <= rollback.at)) {
    if (rollback.outcome !== 'ok')
      return {
        what: 'rollback',
        tone: 'bad',
        text: `rollback ${rollback.outcome === 'interrupted' ? 'interrupted' : 'FAILED'} at ${rollback.at}${said(rollback)}: rerun rollback --execute`,
      };
    return {
      what: 'rollback',
      tone: 'warn',
      text: `rolled back at ${rollback.at}${apply ? ` (applied at ${apply.at})` : ''}: the target holds its state from before the plan`,
    };
  }
  if (!apply) return { what: 'apply', tone: 'none', text: 'apply: no run with --execute recorded' };
  if (apply.outcome === 'interrupted')
    return {
      what: 'apply',
      tone: 'warn',
      text: `apply interrupted at ${apply.at}${said(apply)}: rerun apply --execute to resume, or rollback --execute`,
    };
  if (apply.outcome === 'failed')
    return {
      what: 'apply',
      tone: 'bad',
      text: `apply FAILED at ${apply.at}${said(apply)}: nothing of the failed batch was written; rerun apply --execute to resume, or rollback --execute`,
    };
  return {
    what: 'apply',
    tone: 'ok',
    text: `applied at ${apply.at} in ${apply.seconds.toFixed(1)} s`,
  };
}

/**
 * A line that replaces the rehearsal file's when the latest rehearse run stopped on an error
 * after that file was written (or with none written): the file would otherwise say "passed" or
 * "not run" about a rehearsal that failed since.
 */
export function rehearsalOverride(
  f: RunFile<RehearsalResult>,
  runs: LatestRuns,
): StatusLine | null {
  const run = runs.rehearse;
  if (!run || run.reason === null) return null;
  if (f.state === 'ok' && f.value.startedAt > run.at) return null;
  return {
    what: 'rehearsal',
    tone: 'bad',
    text: `rehearsal ${run.outcome === 'interrupted' ? 'interrupted' : 'FAILED'} at ${run.at}${said(run)}`,
  };
}

/**
 * A line that replaces the verification file's when a later run makes it stale: a rollback or
 * an apply since (the target no longer holds what was verified), or a verify run that stopped
 * on an error.
 */
export function verificationOverride(
  f: RunFile<VerificationResult>,
  runs: LatestRuns,
): StatusLine | null {
  const what = 'verification';
  const verify = runs.verify;
  const checkedAt = f.state === 'ok' ? f.value.checkedAt : null;
  if (verify && verify.reason !== null && (checkedAt === null || checkedAt <= verify.at))
    return {
      what,
      tone: 'bad',
      text: `verification could not finish at ${verify.at}${said(verify)}`,
    };
  if (checkedAt === null || f.state !== 'ok' || !f.value.ok) return null;
  const rollback = runs.rollback;
  const apply = runs.apply;
  const later = [rollback, apply]
    .filter((r): r is RunEntry => r !== undefined && r.at > checkedAt)
    .sort((a, b) => (a.at < b.at ? 1 : -1))[0];
  if (!later) return null;
  const since = later.command === 'rollback' ? 'rolled back' : 'applied again';
  return {
    what,
    tone: 'warn',
    text: `verified at ${checkedAt}, then ${since} at ${later.at}: the verification no longer holds; run verify again`,
  };
}

function said(r: RunEntry): string {
  return r.message ? ` (${r.reason ?? 'failed'}: ${r.message})` : '';
}
