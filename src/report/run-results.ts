/**
 * What `rehearse` and `verify` leave in the plan folder for `report` to show. A contract like
 * format.ts: extend it, never rename a field.
 *
 *   PLAN_DIR/
 *     rehearsal.json      RehearsalResult: written by `reconcile rehearse` (the latest run)
 *     verification.json   VerificationResult: written by `reconcile verify` (the latest run)
 *
 * Both carry the planId they ran against: a report ignores (and says so) a result left by
 * another plan in the same folder. Neither file is part of the planId, so writing them does not
 * make the plan look edited. Timestamps are ISO 8601 in UTC; durations in seconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const RUN_RESULT_FORMAT_VERSION = 1;
export const REHEARSAL_FILE = 'rehearsal.json';
export const VERIFICATION_FILE = 'verification.json';

const digest = z.object({ count: z.string(), sum: z.string() });

/** One table checked against the plan's *after* (or, after a rollback, *before*) digest. */
export interface TableCheck {
  readonly table: string;
  readonly ok: boolean;
  readonly expected: { readonly count: string; readonly sum: string };
  readonly actual: { readonly count: string; readonly sum: string };
  /** rows whose foreign key points at no row (declared keys and config `references`) */
  readonly orphans: number;
  /** unique keys that hold a value more than once */
  readonly uniqueViolations: number;
  /** one line on what is wrong, when not ok */
  readonly detail?: string | null;
  /**
   * when the digest did not match: the keys that differ from the plan (up to 20, one line
   * each, `id=5: differs (…)`), how many were found, and what could not be named. Added
   * later: absent from older results.
   */
  readonly keys?: MismatchKeysRecord | null;
}

export interface MismatchKeysRecord {
  readonly found: number;
  readonly lines: readonly string[];
  readonly note: string | null;
}

const tableCheck = z.object({
  table: z.string(),
  ok: z.boolean(),
  expected: digest,
  actual: digest,
  orphans: z.number().int().nonnegative(),
  uniqueViolations: z.number().int().nonnegative(),
  detail: z.string().nullish(),
  keys: z
    .object({
      found: z.number().int().nonnegative(),
      lines: z.array(z.string()),
      note: z.string().nullable(),
    })
    .nullish(),
});

/** `reconcile verify`: the target's digests against the plan's *after* digests. */
export interface VerificationResult {
  readonly formatVersion: number;
  readonly planId: string;
  /** the schema checked, URL without password */
  readonly target: string;
  readonly checkedAt: string;
  readonly seconds: number;
  /** every table ok */
  readonly ok: boolean;
  readonly tables: readonly TableCheck[];
}

const verification: z.ZodType<VerificationResult> = z.object({
  formatVersion: z.number(),
  planId: z.string(),
  target: z.string(),
  checkedAt: z.string(),
  seconds: z.number().nonnegative(),
  ok: z.boolean(),
  tables: z.array(tableCheck),
});

/** One table of a rehearsal: the time its writes took. */
export interface RehearsalTable {
  readonly table: string;
  /** rows written (inserted + updated + deleted) */
  readonly rows: number;
  readonly batches: number;
  readonly seconds: number;
}

/** `reconcile rehearse`: the plan applied to a scratch copy or in place, then checked. */
export interface RehearsalResult {
  readonly formatVersion: number;
  readonly planId: string;
  /** scratch: on a copy of the target's tables; in-place: on the target, then rolled back */
  readonly mode: 'scratch' | 'in-place';
  /** where the writes ran, URL without password (the scratch schema, or the target) */
  readonly ranOn: string;
  readonly startedAt: string;
  /** the whole rehearsal: copy, apply, verify, rollback */
  readonly seconds: number;
  /** the apply part alone */
  readonly applySeconds: number;
  /** how long the real run's window must be, from the apply part's time */
  readonly projectedWindowSeconds: number;
  readonly tables: readonly RehearsalTable[];
  /** the rehearsed result checked against the plan's *after* digests */
  readonly verification: { readonly ok: boolean; readonly tables: readonly TableCheck[] };
  /** in-place only: the rollback, and whether the target is back to its *before* digests */
  readonly rollback: { readonly ok: boolean; readonly seconds: number } | null;
  /** applied without error, verified, and (in place) rolled back exactly */
  readonly ok: boolean;
  /** why not ok, in one line */
  readonly error?: string | null;
}

const rehearsal: z.ZodType<RehearsalResult> = z.object({
  formatVersion: z.number(),
  planId: z.string(),
  mode: z.enum(['scratch', 'in-place']),
  ranOn: z.string(),
  startedAt: z.string(),
  seconds: z.number().nonnegative(),
  applySeconds: z.number().nonnegative(),
  projectedWindowSeconds: z.number().nonnegative(),
  tables: z.array(
    z.object({
      table: z.string(),
      rows: z.number().int().nonnegative(),
      batches: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
    }),
  ),
  verification: z.object({ ok: z.boolean(), tables: z.array(tableCheck) }),
  rollback: z.object({ ok: z.boolean(), seconds: z.number().nonnegative() }).nullable(),
  ok: z.boolean(),
  error: z.string().nullish(),
});

/** A result file as the report found it. */
export type RunFile<T> =
  | { readonly state: 'absent' }
  | { readonly state: 'ok'; readonly value: T }
  /** present but not of this shape: the report says so instead of failing */
  | { readonly state: 'invalid'; readonly problem: string }
  /** a result of another plan left in the folder */
  | { readonly state: 'other-plan'; readonly planId: string };

/** A result file the report cannot show: absent, not of its shape, or another plan's. */
export type UnshownRunFile = Exclude<RunFile<never>, { readonly state: 'ok' }>;

/** Checks a parsed result file against the contract and the plan it must belong to. Pure. */
export function parseRehearsal(json: unknown, planId: string): RunFile<RehearsalResult> {
  return check(rehearsal, json, planId);
}

/** Checks a parsed result file against the contract and the plan it must belong to. Pure. */
export function parseVerification(json: unknown, planId: string): RunFile<VerificationResult> {
  return check(verification, json, planId);
}

function check<T extends { readonly planId: string }>(
  schema: z.ZodType<T>,
  json: unknown,
  planId: string,
): RunFile<T> {
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const path = first?.path.length ? first.path.join('.') : '(top)';
    return { state: 'invalid', problem: `${path}: ${first?.message ?? 'not valid'}` };
  }
  const value = r.data;
  if (value.planId !== planId) return { state: 'other-plan', planId: value.planId };
  return { state: 'ok', value };
}

/** Writes a rehearsal result into the plan folder (for `rehearse`). */
export async function writeRehearsal(planDir: string, result: RehearsalResult): Promise<void> {
  await writeFile(join(planDir, REHEARSAL_FILE), `${JSON.stringify(result, null, 2)}\n`);
}

/** Writes a verification result into the plan folder (for `verify`). */
export async function writeVerification(
  planDir: string,
  result: VerificationResult,
): Promise<void> {
  await writeFile(join(planDir, VERIFICATION_FILE), `${JSON.stringify(result, null, 2)}\n`);
}
