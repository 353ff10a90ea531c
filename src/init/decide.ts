import type { JsonReferenceCandidate } from '../cell/json-paths.js';
import { columnKey } from '../introspect/compare.js';
import { NAME_RULE_TEXT, ruleRank } from '../introspect/naming.js';
import type { ReferenceCandidate } from '../introspect/reference-candidates.js';
import type {
  Inclusion,
  JsonPathCounts,
  JsonReferenceProposal,
  Measured,
  ReferenceProposal,
  TimeColumnProposal,
  TimeCounts,
} from './proposal-types.js';
import { looksLikeEpochSeconds, type TimeCandidate, typeText } from './time-columns.js';

/**
 * One decision per proposal: enabled, or written commented out, with the reason in one line.
 * Pure. Nothing is enabled on a name alone: a reference needs its values found in the parent's
 * key (at least `minInclusion` of them), a creation time needs incident.start and a backup with
 * no row after it.
 */

export interface MeasuredReference {
  readonly candidate: ReferenceCandidate;
  /** null for declared keys (not measured) */
  readonly inclusion: Measured<Inclusion> | null;
}

/** found / tested as a percentage that never rounds up to 100 (99.96% is not all). */
export function percent(found: number, tested: number): string {
  if (tested === 0) return '-';
  if (found === tested) return '100%';
  return `${(Math.floor((1000 * found) / tested) / 10).toFixed(1)}%`;
}

/** Whether the values agree well enough; otherwise why not. */
function inclusionVerdict(m: Measured<Inclusion> | null, minInclusion: number): string | null {
  if (m === null) return 'not measured';
  if (m.kind === 'not-measured') return m.reason;
  // No value on either side: nothing a remap could rewrite today; the name decides.
  if (m.value.tested === 0) return null;
  if (m.value.found < minInclusion * m.value.tested) {
    return `not enabled: below --min-inclusion ${percent(Math.round(minInclusion * 1000), 1000)}`;
  }
  return null;
}

/** The references of one child table, decided together (a column gets at most one parent). */
export function decideReferences(
  measured: readonly MeasuredReference[],
  minInclusion: number,
): ReferenceProposal[] {
  const declaredCols = new Map<string, string>();
  for (const m of measured) {
    const c = m.candidate;
    if (c.rule === 'declared' && c.columns.length === 1)
      declaredCols.set(columnKey(c.columns[0] ?? ''), c.parent);
  }
  const passing = measured.filter(
    (m) =>
      m.candidate.rule !== 'declared' &&
      m.candidate.rule !== 'composite' &&
      inclusionVerdict(m.inclusion, minInclusion) === null,
  );
  const rankOf = (m: MeasuredReference): number =>
    m.candidate.rule === 'declared' || m.candidate.rule === 'composite'
      ? 0
      : ruleRank(m.candidate.rule);
  const enabledCols = new Set<string>(declaredCols.keys());
  const verdicts = new Map<MeasuredReference, { enabled: boolean; why: string }>();
  for (const m of measured) verdicts.set(m, singleVerdict(m, minInclusion, declaredCols));
  // Among the parents that pass for one column, the best-named one wins, alone.
  const byColumn = new Map<string, MeasuredReference[]>();
  for (const m of passing) {
    const k = columnKey(m.candidate.columns[0] ?? '');
    if (declaredCols.has(k)) continue;
    byColumn.set(k, [...(byColumn.get(k) ?? []), m]);
  }
  for (const [col, group] of byColumn) {
    const best = Math.max(...group.map(rankOf));
    const top = group.filter((m) => rankOf(m) === best);
    const names = top.map((m) => m.candidate.parent).join(', ');
    for (const m of group) {
      if (top.length > 1 && top.includes(m)) {
        verdicts.set(m, { enabled: false, why: `not enabled: ambiguous, fits ${names} alike` });
      } else if (top.length === 1 && top[0] === m) {
        verdicts.set(m, { enabled: true, why: enabledWhy(m) });
        enabledCols.add(col);
      } else {
        verdicts.set(m, { enabled: false, why: `not enabled: ${names} fits the name better` });
      }
    }
  }
  for (const m of measured) {
    if (m.candidate.rule !== 'composite') continue;
    verdicts.set(m, compositeVerdict(m, minInclusion, enabledCols));
  }
  return measured.map((m) => {
    const v = verdicts.get(m) ?? { enabled: false, why: 'not decided' };
    return {
      columns: m.candidate.columns,
      parent: m.candidate.parent,
      parentColumns: m.candidate.parentColumns,
      rule: m.candidate.rule,
      constraint: m.candidate.constraint,
      inclusion: m.inclusion,
      enabled: v.enabled,
      why: v.why,
    };
  });
}

function enabledWhy(m: MeasuredReference): string {
  const text = ruleText(m.candidate.rule);
  const v = m.inclusion?.kind === 'measured' ? m.inclusion.value : null;
  if (v?.tested === 0) {
    return `${text}; no value on either side to test, so nothing for a remap to rewrite yet: check it`;
  }
  return v?.side === 'interim'
    ? `${text}; measured on the interim (the backup holds no value)`
    : text;
}

function ruleText(rule: ReferenceCandidate['rule']): string {
  if (rule === 'declared') return 'declared foreign key';
  if (rule === 'composite') return 'a composite key repeated by name';
  return NAME_RULE_TEXT[rule];
}

function singleVerdict(
  m: MeasuredReference,
  minInclusion: number,
  declaredCols: ReadonlyMap<string, string>,
): { enabled: boolean; why: string } {
  const c = m.candidate;
  if (c.rule === 'declared') {
    return { enabled: false, why: `declared foreign key ${c.constraint ?? ''}: plan follows it` };
  }
  const declaredTo = declaredCols.get(columnKey(c.columns[0] ?? ''));
  if (c.columns.length === 1 && declaredTo !== undefined) {
    return { enabled: false, why: `not enabled: a declared foreign key sends it to ${declaredTo}` };
  }
  return { enabled: false, why: inclusionVerdict(m.inclusion, minInclusion) ?? 'not decided' };
}

/**
 * A composite candidate is never enabled: `references` maps one column to one column, so the
 * config cannot say it (a declared foreign key can). When each of its columns already
 * references a parent of its own, it adds nothing.
 */
function compositeVerdict(
  m: MeasuredReference,
  minInclusion: number,
  enabledCols: ReadonlySet<string>,
): { enabled: boolean; why: string } {
  if (m.candidate.columns.every((c) => enabledCols.has(columnKey(c)))) {
    return {
      enabled: false,
      why: 'not enabled: each of its columns already references a parent of its own',
    };
  }
  const verdict = inclusionVerdict(m.inclusion, minInclusion);
  if (verdict !== null) return { enabled: false, why: verdict };
  return {
    enabled: false,
    why: 'not enabled: a composite reference, which references cannot express; declare it as a foreign key in the target for plan to follow it',
  };
}

/** One JSON path's decision: every value there an integer, and those integers in the parent. */
export function decideJsonReference(
  c: JsonReferenceCandidate,
  counts: Measured<JsonPathCounts>,
  inclusion: Measured<Inclusion> | null,
  minInclusion: number,
  rivals: readonly JsonReferenceCandidate[],
): JsonReferenceProposal {
  const base = { column: c.column, path: c.path, parent: c.parent, parentColumn: c.parentColumn };
  const make = (enabled: boolean, why: string): JsonReferenceProposal => ({
    ...base,
    rule: c.rule,
    counts,
    inclusion,
    enabled,
    why,
  });
  if (counts.kind === 'not-measured') return make(false, counts.reason);
  if (counts.value.others > 0) {
    return make(
      false,
      `not enabled: ${counts.value.others} sampled documents hold something other than an integer there (a string "43"?); a rewrite of the integers would miss them`,
    );
  }
  const verdict = inclusionVerdict(inclusion, minInclusion);
  if (verdict !== null) return make(false, verdict);
  const others = rivals.filter((r) => r.path === c.path && r.parent !== c.parent);
  if (others.length > 0) {
    return make(
      false,
      `not enabled: ambiguous, fits ${[c.parent, ...others.map((o) => o.parent)].join(', ')} alike`,
    );
  }
  return make(true, NAME_RULE_TEXT[c.rule]);
}

export interface MeasuredTime {
  readonly candidate: TimeCandidate;
  readonly counts: Measured<TimeCounts> | null;
}

/** createdAt and updatedAt of one table: at most one of each enabled, the first that qualifies. */
export function decideTimeColumns(
  measured: readonly MeasuredTime[],
  hasIncident: boolean,
): TimeColumnProposal[] {
  let created: string | null = null;
  let updated: string | null = null;
  return measured.map(({ candidate: t, counts }) => {
    const base = { role: t.role, column: t.column.name, type: typeText(t.column), counts };
    const taken = t.role === 'createdAt' ? created : updated;
    let why = timeVerdict(t, counts, hasIncident);
    if (why === null && taken !== null) why = `not enabled: ${taken} is proposed instead`;
    if (why !== null) return { ...base, enabled: false, why };
    if (t.role === 'createdAt') created = t.column.name;
    else updated = t.column.name;
    return { ...base, enabled: true, why: t.by };
  });
}

function timeVerdict(
  t: TimeCandidate,
  counts: Measured<TimeCounts> | null,
  hasIncident: boolean,
): string | null {
  if (t.role === 'updatedAt') return null;
  if (!hasIncident) return 'not enabled: createdAt needs incident.start (give --incident-start)';
  if (counts === null) return 'not measured';
  if (counts.kind === 'not-measured') return counts.reason;
  const v = counts.value;
  if (t.column.family === 'integer' && !looksLikeEpochSeconds(v.interimMax)) {
    return `not enabled: its largest value (${v.interimMax ?? 'NULL'}) is not a unix time in seconds, which plan compares it as`;
  }
  if (v.backup.since > 0) {
    return `not enabled: ${v.backup.since} backup rows are at or after incident.start, which a backup taken before it cannot hold (another time zone? not a creation time?)`;
  }
  return null;
}
