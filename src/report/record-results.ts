/**
 * The results `rehearse` and `verify` return, in the form the plan folder keeps them for
 * `report` (run-results.ts). Pure.
 */
import type { RehearseReport } from '../rehearse/rehearse-plan.js';
import { mismatchKeyLine } from '../verify/mismatch-finding.js';
import type { TableVerdict, VerifyReport } from '../verify/verify-plan.js';
import {
  type RehearsalResult,
  RUN_RESULT_FORMAT_VERSION,
  type TableCheck,
  type VerificationResult,
} from './run-results.js';

export function verificationResult(r: VerifyReport, checkedAt: Date): VerificationResult {
  return {
    formatVersion: RUN_RESULT_FORMAT_VERSION,
    planId: r.planId,
    target: r.target,
    checkedAt: checkedAt.toISOString(),
    seconds: round(r.seconds),
    ok: r.ok,
    tables: r.tables.map(tableCheck),
  };
}

export function rehearsalResult(r: RehearseReport, startedAt: Date): RehearsalResult {
  const ranOn = r.scratch
    ? r.target.replace(/\/[^/]*$/, `/${encodeURIComponent(r.scratch.schema)}`)
    : r.target;
  return {
    formatVersion: RUN_RESULT_FORMAT_VERSION,
    planId: r.planId,
    mode: r.mode,
    ranOn,
    startedAt: startedAt.toISOString(),
    seconds: round(r.seconds),
    applySeconds: round(r.window.apply),
    projectedWindowSeconds: round(r.window.total),
    tables: r.apply.tables.map((t) => ({
      table: t.table,
      rows: t.copied + t.inserted + t.updated + t.deleted,
      batches: t.batches,
      seconds: round(t.seconds),
    })),
    verification: { ok: r.verify.ok, tables: r.verify.tables.map(tableCheck) },
    rollback: r.rollback ? { ok: r.rollback.beforeOk, seconds: round(r.rollback.seconds) } : null,
    ok: r.ok,
    error: r.ok ? null : failure(r),
  };
}

function tableCheck(v: TableVerdict): TableCheck {
  return {
    table: v.table,
    ok: v.status === 'ok',
    expected: v.digest.expected,
    actual: v.digest.actual,
    orphans: v.orphans.reduce((n, o) => n + o.count, 0),
    uniqueViolations: v.duplicates.length,
    detail: v.problems.length > 0 ? v.problems.join('; ') : null,
    keys: v.keys
      ? {
          found: v.keys.found,
          lines: v.keys.listed.map((k) => mismatchKeyLine(k, v.keyColumns)),
          note: v.keys.note,
        }
      : null,
  };
}

function failure(r: RehearseReport): string {
  const bad = r.verify.tables.filter((t) => t.status !== 'ok').map((t) => t.table);
  if (bad.length > 0) return `verification failed on ${bad.join(', ')}`;
  if (r.rollback && !r.rollback.beforeOk) return 'the rollback did not restore the before digests';
  return 'failed';
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
