import { textGrid } from '../text-grid.js';
import type { PlanManifest } from './format.js';

/** The plan as a short report for a terminal. */
export function renderPlanSummary(m: PlanManifest, dir: string): string {
  const lines: string[] = [];
  lines.push(`plan ${m.planId}`);
  lines.push(`  written to ${dir}  (review plan.sql; apply with: reconcile apply --plan ${dir})`);
  lines.push(`  target: ${m.sources.target.url}${m.inPlace ? ' (in place)' : ''}`);
  lines.push('');
  const head = [
    'table',
    'identical',
    'changed',
    'only b',
    'only i',
    'collide',
    'insert',
    'update',
    'delete',
    'unresolved',
  ];
  const rows = m.tables.map((t) => [
    t.table,
    ...[
      t.counts.identical,
      t.counts.changed,
      t.counts.onlyBackup,
      t.counts.onlyInterim,
      t.counts.collision,
    ].map(String),
    ...[t.actions.insert, t.actions.update, t.actions.delete, t.actions.unresolved].map(String),
  ]);
  const tot = m.totals;
  rows.push([
    `total (${m.tables.length} tables)`,
    ...[
      tot.identical,
      tot.changed,
      tot.onlyBackup,
      tot.onlyInterim,
      tot.collision,
      tot.insert,
      tot.update,
      tot.delete,
      tot.unresolved,
    ].map(String),
  ]);
  lines.push(...textGrid(head, rows, { right: (i) => i > 0, rule: false }));
  if (m.remaps.length > 0) lines.push('');
  for (const r of m.remaps) {
    lines.push(
      `remap ${r.table}.${r.column}: ${r.count} ${r.side} rows get ids ${r.first}..${r.last}` +
        (r.followedBy.length > 0 ? `; followed by ${r.followedBy.join(', ')}` : ''),
    );
  }
  for (const s of m.skipped) lines.push(`skipped ${s.table}: ${s.reason}`);
  for (const t of m.tables) for (const n of t.notes) lines.push(`${t.table}: ${n}`);
  const warnings = m.tables.flatMap((t) => t.warnings.map((w) => `WARNING ${t.table}: ${w}`));
  if (warnings.length > 0) lines.push('', ...warnings);
  if (m.needsAllowTriggers) {
    const trg = m.tables.flatMap((t) =>
      t.triggers.map((x) => `${t.table}.${x.name} (${x.timing} ${x.event})`),
    );
    lines.push(
      '',
      `triggers fire on the plan's writes: ${trg.join(', ')}; apply needs --allow-triggers`,
    );
  }
  if (m.unresolved > 0) {
    lines.push(
      '',
      `${m.unresolved} unresolved actions: apply refuses until they are decided (see plan.sql)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
