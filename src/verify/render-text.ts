import type { Cell } from '../cell/cells.js';
import { num, secs, textGrid } from '../text-grid.js';
import { mismatchKeyLine } from './mismatch-finding.js';
import type { TableVerdict, VerifyReport } from './verify-plan.js';

/** The verify report for a terminal: one line per table, then what failed and why. */
export function renderVerifyText(r: VerifyReport): string {
  const out: string[] = [];
  out.push(`plan ${r.planId.slice(0, 12)} → ${r.target} (journal: ${r.journal})`);
  out.push('');
  out.push(
    ...textGrid(
      ['table', 'status', 'rows', 'expected', 'digest', 'orphans', 'duplicates'],
      r.tables.map((t) => [
        t.table,
        t.status,
        t.digest.actual.count === '-' ? '-' : num(t.digest.actual.count),
        t.digest.expected.count === '-' ? '-' : num(t.digest.expected.count),
        t.digest.expected.count === '-' ? '-' : t.digest.ok ? 'ok' : 'MISMATCH',
        num(t.orphans.reduce((n, o) => n + o.count, 0)),
        num(t.duplicates.reduce((n, d) => n + d.sample.length, 0)),
      ]),
    ),
  );
  for (const t of r.tables) {
    const d = details(t);
    if (d.length > 0) out.push('', `${t.table}:`, ...d.map((x) => `  ${x}`));
  }
  out.push('');
  out.push(
    `${r.checks.references} references and ${r.checks.uniqueKeys} unique keys checked, ${secs(r.seconds)}`,
  );
  if (r.live) {
    out.push(
      `live: ${num(r.changedSince)} row(s) the plan wrote were changed by the application since (listed above, not failures); ${num(r.deferred)} action(s) deferred by the live apply${r.deferred > 0 ? ' (conflicts.jsonl; decide them with plan --refresh)' : ''}`,
    );
  }
  out.push(
    r.ok
      ? r.live
        ? `ok: no reference orphaned, no unique key held twice, every AUTO_INCREMENT past its ids, in all ${r.totals.tables} tables`
        : `ok: all ${r.totals.tables} tables hold what the plan promised`
      : `MISMATCH: ${r.totals.mismatch} of ${r.totals.tables} tables differ from what the plan promised`,
  );
  return `${out.join('\n')}\n`;
}

function details(t: TableVerdict): string[] {
  const out: string[] = [];
  if (t.deferred !== undefined) {
    // verify --live: the keys found are the application's later writes, not failures.
    const k = t.keys;
    if (k && k.found > 0) {
      out.push(`changed by the application since the apply wrote them: ${num(k.found)}`);
      for (const m of k.listed) out.push(`  ${mismatchKeyLine(m, t.keyColumns)}`);
    }
    if (t.deferred > 0) out.push(`deferred by the live apply: ${num(t.deferred)}`);
  } else if (!t.digest.ok) {
    out.push(
      `digest: ${num(t.digest.actual.count)} rows, sum ${t.digest.actual.sum}; the plan promised ${num(t.digest.expected.count)} rows, sum ${t.digest.expected.sum}`,
    );
    out.push(...keyLines(t));
  }
  for (const o of t.orphans) {
    out.push(
      `${num(o.count)} rows whose (${o.columns.join(', ')}) find no ${o.references} [${o.reference}], e.g. ${o.sample.map(cells).join('; ')}`,
    );
  }
  for (const d of t.duplicates) {
    out.push(
      `unique key ${d.index} (${d.columns.join(', ')}) held twice: ${d.sample.map((s) => `${cells(s.values)} ×${s.rows}`).join('; ')}`,
    );
  }
  const ai = t.autoIncrement;
  if (ai && !ai.ok) {
    out.push(
      `AUTO_INCREMENT is ${ai.actual ?? 'unset'}: must be ${ai.atLeast ? `at least ${ai.atLeast} and ` : ''}above the largest ${ai.column} (${ai.max ?? 'none'})`,
    );
  }
  out.push(...t.problems);
  return out;
}

/** The keys that differ, up to MISMATCH_KEYS_SHOWN, one a line, as a WHERE would name them. */
export function keyLines(t: TableVerdict): string[] {
  const k = t.keys;
  if (!k) return [];
  const out: string[] = [];
  if (k.found > 0) {
    const shown = k.listed.length < k.found ? `, the first ${k.listed.length} listed` : '';
    out.push(`keys that differ from the plan: ${num(k.found)}${shown}`);
    for (const m of k.listed) out.push(`  ${mismatchKeyLine(m, t.keyColumns)}`);
  }
  if (k.note) out.push(k.note);
  return out;
}

function cells(c: readonly Cell[]): string {
  const parts = c.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : `0x${v.hex}`));
  const [only, ...more] = parts;
  return only !== undefined && more.length === 0 ? only : `(${parts.join(', ')})`;
}
