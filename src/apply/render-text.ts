import { num, secs, textGrid } from '../text-grid.js';
import type { ApplyReport } from './apply-plan.js';
import { COPY_SHARE } from './batches.js';
import type { TableTally } from './execute.js';
import { JOURNAL_TABLE } from './journal.js';
import type { RollbackReport } from './rollback-plan.js';

/** The apply report for a terminal: what was (or would be) done, per table, in order. */
export function renderApplyText(r: ApplyReport): string {
  const out: string[] = [];
  out.push(`plan ${r.planId.slice(0, 12)} → ${r.target}`);
  if (r.outcome === 'already-applied') {
    out.push(
      'already applied: the journal marks this plan complete; nothing to do (reconcile verify checks the result)',
    );
    return `${out.join('\n')}\n`;
  }
  const journal =
    r.journal === 'none'
      ? 'none: a fresh run'
      : `partial: an earlier run applied ${num(r.tables.reduce((n, t) => n + t.resumedFrom, 0))} actions; resuming after them`;
  out.push(`journal: ${journal}`);
  out.push(`order: ${r.order.join(' → ')} (writes in this order, deletes in reverse)`);
  out.push('');
  out.push(...tableGrid(r));
  out.push('');
  out.push(...writeNotes(r));
  out.push('');
  if (r.mode === 'dry-run') out.push(...dryRunEnd(r));
  else out.push(...executedEnd(r));
  return `${out.join('\n')}\n`;
}

/** The columns of a table's tally every run report shows: its rows by operation, its batches. */
export const TALLY_HEADER = ['delete', 'update', 'insert', 'insert…select', 'batches'];

/** A table's tally under TALLY_HEADER. */
export function tallyCells(t: TableTally): string[] {
  return [num(t.deleted), num(t.updated), num(t.inserted), num(t.copied), num(t.batches)];
}

/** One line a table: its rows by operation, batches, what an earlier run did, its time. */
function tableGrid(r: ApplyReport): string[] {
  const dry = r.mode === 'dry-run';
  const rows = r.tables.map((t) => [
    t.table,
    ...tallyCells(t),
    t.resumedFrom > 0 ? num(t.resumedFrom) : '-',
    ...(r.live && !dry ? [num(t.deferred)] : []),
    dry ? '' : secs(t.seconds),
  ]);
  const header = [
    'table',
    ...TALLY_HEADER,
    'done before',
    ...(r.live && !dry ? ['deferred'] : []),
    dry ? '' : 'time',
  ];
  return textGrid(header, rows);
}

/** How restored rows were written, the AUTO_INCREMENT counters raised, the triggers accepted. */
function writeNotes(r: ApplyReport): string[] {
  const dry = r.mode === 'dry-run';
  const out: string[] = [];
  // How restored rows were (or would be) written, only where some were.
  for (const t of r.tables)
    if (t.copyNote && (t.copyNote.startsWith('INSERT') ? t.copied : t.copied + t.inserted) > 0)
      out.push(`${t.table}: ${t.copyNote}`);
  for (const a of r.autoIncrement) {
    if (!dry && !a.raised) continue;
    out.push(
      `AUTO_INCREMENT ${a.table}.${a.column}: ${dry ? 'raise to' : a.raised ? `raised from ${a.before ?? '?'} to` : 'already at least'} ${a.next}`,
    );
  }
  if (r.triggers.length > 0)
    out.push(`triggers accepted (--allow-triggers): ${r.triggers.join('; ')}`);
  return out;
}

/** A dry run's last lines: what --execute would run, or why it would be refused. */
function dryRunEnd(r: ApplyReport): string[] {
  const out: string[] = [];
  out.push(
    `would run ${num(r.batches)} batches (${num(r.rows)} rows; at most ${num(r.batchRows)} rows a batch, or ${num(r.batchRows * COPY_SHARE)} server-side copies), each in a transaction journaled in ${JOURNAL_TABLE}`,
  );
  for (const w of r.wouldRefuse) out.push(`WOULD REFUSE (${w.reason}): ${w.message}`);
  out.push(
    r.wouldRefuse.length > 0
      ? `dry run: nothing was changed; --execute would be refused (${r.wouldRefuse.length} reason${r.wouldRefuse.length === 1 ? '' : 's'} above)`
      : 'dry run: nothing was changed (add --execute to apply)',
  );
  if (r.live) {
    out.push(
      'live: no whole-target check; each batch will lock and check the rows it touches, and defer those changed since the plan',
    );
  }
  return out;
}

/** An executed run's last lines: what it wrote, in how long, what it deferred, what next. */
function executedEnd(r: ApplyReport): string[] {
  const out: string[] = [];
  const paused = r.seconds.paused >= 0.05 ? `, paused ${secs(r.seconds.paused)}` : '';
  out.push(
    `${r.outcome === 'resumed' ? 'resumed and applied' : 'applied'}${r.live ? ' (live)' : ''}: ${num(r.rows)} rows in ${num(r.batches)} batches, ${secs(r.seconds.write)}${paused} (checks ${secs(r.seconds.check)}); next: reconcile verify${r.live ? ' --live' : ''}`,
  );
  if (r.live && r.deferred > 0) {
    out.push(
      `deferred: ${num(r.deferred)} actions on rows the application changed since the plan (or on rows that reference them); listed in conflicts.jsonl in the plan folder; decide them with: reconcile plan --refresh PLAN_DIR --out NEW_PLAN_DIR`,
    );
  }
  return out;
}

export function renderRollbackText(r: RollbackReport): string {
  const out: string[] = [];
  out.push(`plan ${r.planId.slice(0, 12)} → ${r.target}`);
  if (r.outcome === 'nothing-to-undo') {
    out.push('the journal holds nothing of this plan: nothing to undo');
    out.push(
      r.beforeOk
        ? "the target has the plan's before digests"
        : `the target does NOT have the plan's before digests (${r.mismatches.map((m) => m.table).join(', ')})`,
    );
    return `${out.join('\n')}\n`;
  }
  out.push(`journal: ${r.journal} (${num(r.batches)} batches, ${num(r.rows)} rows)`);
  out.push('');
  out.push(
    ...textGrid(
      ['table', 'batches', 'rows'],
      r.tables.map((t) => [t.table, num(t.batches), num(t.rows)]),
    ),
  );
  for (const a of r.autoIncrement) {
    if (a.restoredTo !== null) out.push(`AUTO_INCREMENT ${a.table}: back to ${a.restoredTo}`);
  }
  out.push('');
  if (r.mode === 'dry-run') {
    out.push('would undo these batches, newest first, each in a transaction');
    if (r.live) out.push('live: row by row, keeping rows the application changed since the apply');
    out.push('dry run: nothing was changed (add --execute to roll back)');
  } else if (r.live) {
    out.push(
      `rolled back (live) in ${secs(r.seconds)}: every row the apply wrote is undone${r.keptCount > 0 ? `, except ${num(r.keptCount)} the application changed since (kept as they are; rollback-kept.jsonl in the plan folder):` : ''}`,
    );
    for (const k of r.kept.slice(0, 20))
      out.push(`  ${k.table} ${JSON.stringify(k.key)}: ${k.op} ${k.reason}`);
    if (r.keptCount > 20) out.push(`  … and ${num(r.keptCount - 20)} more`);
    if (!r.beforeOk)
      out.push(
        "the target's digests differ from the plan's before digests where the application wrote since the plan (not the rollback's to undo)",
      );
  } else if (r.beforeOk) {
    out.push(
      `rolled back in ${secs(r.seconds)}: every table has its before digest again${r.counters.length > 0 ? ', and every AUTO_INCREMENT counter its value before the apply' : ''}`,
    );
  } else {
    const counters = r.counters.filter((c) => !c.ok);
    if (r.mismatches.length > 0) {
      out.push(
        `rolled back, but ${r.mismatches.length} table(s) differ from the before digests: ${r.mismatches.map((m) => `${m.table} (${m.actual.count} rows, expected ${m.expected.count})`).join(', ')}`,
      );
    }
    if (counters.length > 0) {
      out.push(
        `rolled back, but ${counters.length} AUTO_INCREMENT counter(s) differ from their values before the apply: ${counters.map((c) => `${c.table} at ${c.now ?? 'none'}, was ${c.before}`).join(', ')}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
