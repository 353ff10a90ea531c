import { TALLY_HEADER, tallyCells } from '../apply/render-text.js';
import { num, secs, textGrid } from '../text-grid.js';
import { renderVerifyText } from '../verify/render-text.js';
import type { RehearseReport } from './rehearse-plan.js';

/** The rehearsal report: time per table, the projected window, verify, and the rollback. */
export function renderRehearseText(r: RehearseReport): string {
  const out: string[] = [];
  const where =
    r.mode === 'scratch'
      ? `on scratch copy ${r.scratch?.schema ?? '?'} (${num(r.clone?.rows ?? 0)} rows copied in ${secs(r.clone?.seconds ?? 0)})`
      : 'in place, then rolled back';
  out.push(`rehearsal of plan ${r.planId.slice(0, 12)} for ${r.target}, ${where}`);
  out.push('');
  out.push(
    ...textGrid(
      ['table', ...TALLY_HEADER, 'time', 'rows/s'],
      r.apply.tables.map((t) => {
        const rows = t.deleted + t.updated + t.inserted + t.copied;
        return [
          t.table,
          ...tallyCells(t),
          secs(t.seconds),
          t.seconds > 0 ? num(Math.round(rows / t.seconds)) : '-',
        ];
      }),
    ),
  );
  out.push('');
  const w = r.window;
  out.push(
    `projected window${r.liveRun ? ' of a strict run' : ''}: ${secs(w.total)} = stale check ${secs(w.check)} + apply ${secs(w.apply)} + verify ${secs(w.verify)}`,
  );
  if (r.liveRun) {
    out.push(
      `a live run (apply --execute --live) needs no window: it runs about ${secs(r.liveRun.total)} (writes with per-row checks ${secs(r.liveRun.write)}, paused here ${secs(r.liveRun.paused)}), plus whatever it pauses for under the real load (--max-load, the pause file)`,
    );
  }
  out.push('');
  out.push(renderVerifyText(r.verify).trimEnd());
  if (r.rollback) {
    out.push('');
    out.push(
      r.rollback.beforeOk
        ? `rolled back in ${secs(r.rollback.seconds)}: the target has its before digests again`
        : `ROLLBACK LEFT DIFFERENCES: ${r.rollback.mismatches.map((m) => m.table).join(', ')} differ from the before digests`,
    );
  }
  if (r.scratch?.kept) out.push(`scratch schema kept: ${r.scratch.schema}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push('');
  out.push(r.ok ? 'rehearsal passed' : 'REHEARSAL FAILED');
  return `${out.join('\n')}\n`;
}
