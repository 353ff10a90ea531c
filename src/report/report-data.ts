/**
 * What a report shows, gathered from a plan folder: the manifest, per table the rules that
 * decided its actions and a few samples, and the rehearsal and verification results when they
 * exist. Pure: built from data, rendered by html.ts and markdown.ts.
 */

import type { Cell, Row } from '../cell/cells.js';
import type { Action, ActionOp, PlanManifest, PlanTable } from '../plan/format.js';
import { tableWarnings } from './labels.js';
import type {
  RehearsalResult,
  RunFile,
  UnshownRunFile,
  VerificationResult,
} from './run-results.js';
import {
  applyStatus,
  type LatestRuns,
  rehearsalOverride,
  verificationOverride,
} from './run-status.js';

/** How many actions of one kind a rule decided. */
export interface RuleCount {
  readonly rule: string;
  readonly op: ActionOp;
  readonly count: number;
}

/** A conflict a person must decide: both sides' rows, the columns they differ in. */
export interface ConflictSample {
  readonly key: Row;
  readonly rule: string;
  readonly reason: string;
  readonly backup: Row | null;
  readonly interim: Row | null;
  readonly differing: readonly string[];
}

/** An update the plan makes: the target's row before and after, the columns that change. */
export interface ChangeSample {
  readonly key: Row;
  readonly rule: string;
  readonly before: Row;
  readonly after: Row;
  readonly columns: readonly string[];
}

export interface TableReport {
  readonly plan: PlanTable;
  /** most frequent first */
  readonly rules: readonly RuleCount[];
  readonly conflicts: readonly ConflictSample[];
  readonly changes: readonly ChangeSample[];
}

export interface ReportData {
  /** the plan folder as the user named it */
  readonly planDir: string;
  readonly manifest: PlanManifest;
  /** in the plan's write order */
  readonly tables: readonly TableReport[];
  readonly rehearsal: RunFile<RehearsalResult>;
  readonly verification: RunFile<VerificationResult>;
  /** the latest run of each command the folder's run log records (run-log.ts) */
  readonly runs: LatestRuns;
}

/**
 * Gathers one table's rule counts and samples while its actions stream past. Samples are spread
 * over the rules that decided them (a table's first updates are often all remaps: the edits
 * deserve a look too); memory stays bounded by the sample limit × the number of rules.
 */
export class TableActionSummary {
  private readonly rules = new Map<string, { rule: string; op: ActionOp; count: number }>();
  private readonly conflicts = new Map<string, ConflictSample[]>();
  private readonly changes = new Map<string, ChangeSample[]>();

  constructor(private readonly sampleLimit: number) {}

  add(a: Action): void {
    // A copy action is the restore of `count` rows: inserts, as the plan's counts have them.
    const op = a.op === 'copy' ? 'insert' : a.op;
    const n = a.op === 'copy' ? a.count : 1;
    const id = `${op}\0${a.rule}`;
    const r = this.rules.get(id);
    if (r) r.count += n;
    else this.rules.set(id, { rule: a.rule, op, count: n });
    if (a.op === 'unresolved') {
      keep(this.conflicts, a.rule, this.sampleLimit, () => ({
        key: a.key,
        rule: a.rule,
        reason: a.reason,
        backup: a.backup,
        interim: a.interim,
        differing: differingColumns(a.backup, a.interim),
      }));
    } else if (a.op === 'update') {
      keep(this.changes, a.rule, this.sampleLimit, () => ({
        key: a.key,
        rule: a.rule,
        before: a.before,
        after: a.row,
        columns: a.columns,
      }));
    }
  }

  result(plan: PlanTable): TableReport {
    const rules = [...this.rules.values()].sort(
      (x, y) => y.count - x.count || x.op.localeCompare(y.op) || x.rule.localeCompare(y.rule),
    );
    return {
      plan,
      rules,
      conflicts: roundRobin(this.conflicts, this.sampleLimit),
      changes: roundRobin(this.changes, this.sampleLimit),
    };
  }
}

function keep<T>(by: Map<string, T[]>, rule: string, limit: number, make: () => T): void {
  const list = by.get(rule) ?? [];
  if (list.length >= limit) return;
  list.push(make());
  by.set(rule, list);
}

/** Up to `limit` samples, taking one from each rule in turn (rules in order of first sight). */
function roundRobin<T>(by: Map<string, T[]>, limit: number): T[] {
  const lists = [...by.values()];
  const out: T[] = [];
  for (let i = 0; out.length < limit; i++) {
    // The i-th sample of each rule that has one.
    const row = lists.flatMap((l) => l.slice(i, i + 1));
    if (row.length === 0) break;
    out.push(...row.slice(0, limit - out.length));
  }
  return out;
}

export function cellEquals(a: Cell | undefined, b: Cell | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.hex === b.hex;
}

/** Columns whose values differ between two rows (a column one row lacks differs). */
export function differingColumns(a: Row | null, b: Row | null): string[] {
  if (!a || !b) return [];
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.filter((n) => !cellEquals(a[n], b[n]));
}

/** The columns to show for a pair of rows: both rows' columns, in first-seen order. */
export function columnsOf(...rows: (Row | null)[]): string[] {
  const out = new Set<string>();
  for (const r of rows) if (r) for (const k of Object.keys(r)) out.add(k);
  return [...out];
}

export type Tone = 'ok' | 'warn' | 'bad' | 'none';

/** One line of the report's verdict, with how it should look. */
export interface StatusLine {
  readonly what:
    | 'plan'
    | 'warning'
    | 'triggers'
    | 'rehearsal'
    | 'apply'
    | 'rollback'
    | 'verification';
  readonly tone: Tone;
  readonly text: string;
}

/**
 * The verdict at the top of a report: can this plan run, did it rehearse, was it applied (or
 * rolled back), did it verify; each the latest state the plan folder records.
 */
export function reportStatus(data: ReportData): StatusLine[] {
  const m = data.manifest;
  const out: StatusLine[] = [];
  out.push(
    m.unresolved > 0
      ? {
          what: 'plan',
          tone: 'bad',
          text: `${plural(m.unresolved, 'unresolved conflict')}: apply refuses until each is decided (set a policy, or fix the rows, and plan again)`,
        }
      : { what: 'plan', tone: 'ok', text: 'no unresolved conflicts: the plan can be applied' },
  );
  const warnings = data.tables.flatMap((t) =>
    tableWarnings(t.plan).map((w) => `${t.plan.table}: ${w}`),
  );
  for (const w of warnings) out.push({ what: 'warning', tone: 'warn', text: w });
  if (m.needsAllowTriggers) {
    const names = data.tables.flatMap((t) =>
      t.plan.triggers.map((g) => `${t.plan.table}.${g.name}`),
    );
    out.push({
      what: 'triggers',
      tone: 'warn',
      text: `triggers fire on the plan's writes (${names.join(', ')}): apply needs --allow-triggers`,
    });
  }
  out.push(rehearsalOverride(data.rehearsal, data.runs) ?? rehearsalStatus(data.rehearsal));
  out.push(applyStatus(data.runs));
  out.push(
    verificationOverride(data.verification, data.runs) ?? verificationStatus(data.verification),
  );
  return out;
}

/** The line of a result file not shown: not run, unreadable, or another plan's. */
function unshownStatus(f: UnshownRunFile, what: 'rehearsal' | 'verification'): StatusLine {
  if (f.state === 'absent') return { what, tone: 'none', text: `${what}: not run` };
  if (f.state === 'invalid')
    return { what, tone: 'warn', text: `${what}.json unreadable (${f.problem}): not shown` };
  return {
    what,
    tone: 'warn',
    text: `${what}.json belongs to another plan (${f.planId.slice(0, 12)}): not shown`,
  };
}

function rehearsalStatus(f: RunFile<RehearsalResult>): StatusLine {
  const what = 'rehearsal';
  if (f.state !== 'ok') return unshownStatus(f, what);
  const r = f.value;
  const where = r.mode === 'in-place' ? 'in place, then rolled back' : 'on a scratch copy';
  if (!r.ok)
    return {
      what,
      tone: 'bad',
      text: `rehearsal FAILED (${where})${r.error ? `: ${r.error}` : ''}`,
    };
  return {
    what,
    tone: 'ok',
    text: `rehearsal passed ${where} in ${seconds(r.seconds)}; projected window ${seconds(r.projectedWindowSeconds)}`,
  };
}

function verificationStatus(f: RunFile<VerificationResult>): StatusLine {
  const what = 'verification';
  if (f.state !== 'ok') return unshownStatus(f, what);
  const v = f.value;
  const bad = v.tables.filter((t) => !t.ok).length;
  return v.ok
    ? {
        what,
        tone: 'ok',
        text: `verified: all ${plural(v.tables.length, 'table')} of ${v.target} hold exactly the planned data (${v.checkedAt})`,
      }
    : {
        what,
        tone: 'bad',
        text: `verification FAILED: ${plural(bad, 'table')} of ${v.target} differ from the plan (${v.checkedAt})`,
      };
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** 0.42 s, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function seconds(s: number): string {
  if (s < 9.995) return `${s.toFixed(2)} s`;
  if (s < 59.95) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const min = Math.round(s / 60);
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}
