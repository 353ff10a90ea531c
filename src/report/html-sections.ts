/** The report's detail sections: samples, rules, rehearsal, verification. Pure; all escaped. */
import type { Row } from '../cell/cells.js';
import type { PolicyRecord } from '../plan/format.js';
import { bars } from './charts.js';
import { bytesAsText, cellText, escapeHtml as e, keyText } from './escape.js';
import { tableNotes } from './labels.js';
import { columnsOf, type ReportData, seconds } from './report-data.js';
import type { TableCheck, UnshownRunFile } from './run-results.js';

/** Unresolved conflicts, both rows side by side, the columns they differ in highlighted. */
export function conflictsSection(data: ReportData): string {
  const total = data.manifest.unresolved;
  const blocks = data.tables
    .filter((t) => t.conflicts.length > 0)
    .map((t) => {
      const shown = t.conflicts.length;
      const of = t.plan.actions.unresolved;
      const asText = bytesAsText(t.plan);
      const samples = t.conflicts.map((c) => {
        const cols = columnsOf(c.backup, c.interim);
        const diff = new Set(c.differing);
        return `<div class="sample"><p><b>${e(keyText(c.key, asText))}</b>: ${e(c.reason)} <span class="rule">${e(c.rule)}</span></p>
${rowsTable(cols, diff, asText, [
  ['backup', c.backup],
  ['interim', c.interim],
])}</div>`;
      });
      return `<h3><code>${e(t.plan.table)}</code> <span class="muted">(${shown} of ${of} shown)</span></h3>${samples.join('\n')}`;
    });
  const intro =
    total === 0
      ? '<p class="muted">None: every key was decided by a policy.</p>'
      : `<p>${total.toLocaleString('en-US')} keys need a person's decision; apply refuses while any remain. Differing columns are highlighted.</p>`;
  return `<section id="conflicts"><h2>Unresolved conflicts</h2>${intro}${blocks.join('\n')}</section>`;
}

/** Updates the plan makes, before and after, the changing columns highlighted. */
export function changesSection(data: ReportData): string {
  const blocks = data.tables
    .filter((t) => t.changes.length > 0)
    .map((t) => {
      const cols = columnsOf(...t.changes.flatMap((c) => [c.before, c.after]));
      const asText = bytesAsText(t.plan);
      const head = cols.map((c) => `<th>${e(c)}</th>`).join('');
      const body = t.changes.map((c) => {
        const diff = new Set(c.columns);
        const cells = (r: Row): string =>
          cols
            .map((col) => {
              const v = r[col];
              const cls = [diff.has(col) ? 'diff' : '', v === null ? 'null' : '']
                .filter(Boolean)
                .join(' ');
              return `<td${cls ? ` class="${cls}"` : ''}>${e(cellText(v, 80, asText(col)))}</td>`;
            })
            .join('');
        return `<tr class="first"><th scope="rowgroup" rowspan="2">${e(keyText(c.key, asText))}<div class="rule">${e(c.rule)}</div></th><th>before</th>${cells(c.before)}</tr><tr><th>after</th>${cells(c.after)}</tr>`;
      });
      return `<h3><code>${e(t.plan.table)}</code> <span class="muted">(${t.changes.length} of ${t.plan.actions.update} updates shown)</span></h3>
<div class="scroll"><table class="rows"><thead><tr><th>key</th><th></th>${head}</tr></thead><tbody>${body.join('\n')}</tbody></table></div>`;
    });
  const body =
    blocks.length > 0 ? blocks.join('\n') : '<p class="muted">The plan updates no row.</p>';
  return `<section id="changes"><h2>Changed rows (samples)</h2>${body}</section>`;
}

function rowsTable(
  cols: readonly string[],
  diff: ReadonlySet<string>,
  asText: (column: string) => boolean,
  rows: readonly (readonly [string, Row | null])[],
): string {
  const head = cols.map((c) => `<th${diff.has(c) ? ' class="diff"' : ''}>${e(c)}</th>`).join('');
  const body = rows.map(([label, r]) => {
    if (!r)
      return `<tr><th scope="row">${e(label)}</th><td colspan="${cols.length}" class="muted">no row</td></tr>`;
    const cells = cols.map((c) => {
      const v = r[c];
      const cls = [diff.has(c) ? 'diff' : '', v === null ? 'null' : ''].filter(Boolean).join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${e(cellText(v, 80, asText(c)))}</td>`;
    });
    return `<tr><th scope="row">${e(label)}</th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="rows"><thead><tr><th></th>${head}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** Which rule decided how many actions, per table, with the table's resolved policy. */
export function rulesSection(data: ReportData): string {
  const rows = data.tables.flatMap((t) => {
    const policy = policyText(t.plan.policy);
    const n = Math.max(1, t.rules.length);
    const first = `<th scope="row" rowspan="${n}"><code>${e(t.plan.table)}</code><div class="policy">${e(policy)}</div></th>`;
    if (t.rules.length === 0) {
      return [
        `<tr>${first}<td colspan="3" class="muted">no action: the target already holds this table's merged rows</td></tr>`,
      ];
    }
    return t.rules.map(
      (r, i) =>
        `<tr>${i === 0 ? first : ''}<td><span class="op op-${e(r.op)}">${e(r.op)}</span></td><td><code>${e(r.rule)}</code></td><td class="n" data-value="${r.count}">${r.count.toLocaleString('en-US')}</td></tr>`,
    );
  });
  const notes = data.tables.flatMap((t) =>
    tableNotes(t.plan).map((n) => `<li><code>${e(t.plan.table)}</code>: ${e(n)}</li>`),
  );
  const notesList =
    notes.length > 0
      ? `<h3>Decisions without an action of their own</h3><ul class="notes">${notes.join('')}</ul>`
      : '';
  return `<section id="rules"><h2>Rules that decided</h2>
<table><thead><tr><th>table and policy</th><th>action</th><th>rule</th><th>rows</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>${notesList}</section>`;
}

/** Why a result file is not shown: not run, unreadable, or another plan's. */
function whyNotShown(f: UnshownRunFile, file: string): string {
  if (f.state === 'absent') return 'Not run.';
  if (f.state === 'invalid') return `${file} is unreadable (${f.problem}).`;
  return `${file} belongs to another plan (${f.planId.slice(0, 12)}).`;
}

export function rehearsalSection(data: ReportData): string {
  const f = data.rehearsal;
  const cmd = `reconcile rehearse --plan ${data.planDir}`;
  if (f.state !== 'ok') {
    const why = whyNotShown(f, 'rehearsal.json');
    return `<section id="rehearsal"><h2>Rehearsal</h2><p class="muted" data-rehearsal="${e(f.state)}">${e(why)} Run <code>${e(cmd)}</code> to time the real window.</p></section>`;
  }
  const r = f.value;
  const chart = bars(
    r.tables.map((t) => ({ label: t.table, value: t.seconds, text: seconds(t.seconds) })),
    'Rehearsal time per table',
    'bar rehearsal',
  );
  const rows = r.tables.map(
    (t) =>
      `<tr data-table="${e(t.table)}"><td><code>${e(t.table)}</code></td><td class="n">${t.rows.toLocaleString('en-US')}</td><td class="n">${t.batches.toLocaleString('en-US')}</td><td class="n" data-value="${t.seconds}">${e(seconds(t.seconds))}</td><td class="n">${t.seconds > 0 ? Math.round(t.rows / t.seconds).toLocaleString('en-US') : '—'}</td></tr>`,
  );
  const rollback =
    r.rollback === null
      ? ''
      : `<li>rollback: ${r.rollback.ok ? 'the target is back to its <i>before</i> digests exactly' : '<b class="bad">the target is NOT back to its <i>before</i> digests</b>'} (${e(seconds(r.rollback.seconds))})</li>`;
  return `<section id="rehearsal" data-rehearsal="ok"><h2>Rehearsal</h2>
<ul>
<li>${r.mode === 'in-place' ? 'in place on the target, then rolled back' : 'on a scratch copy of the target'}: <code>${e(r.ranOn)}</code>, started ${e(r.startedAt)}</li>
<li>result: <b class="${r.ok ? 'ok' : 'bad'}">${r.ok ? 'passed' : 'FAILED'}</b>${r.error ? `: ${e(r.error)}` : ''}</li>
<li>apply took ${e(seconds(r.applySeconds))} of ${e(seconds(r.seconds))}; <b>projected window: ${e(seconds(r.projectedWindowSeconds))}</b></li>
<li>checked against the plan's <i>after</i> digests: ${checksSummary(r.verification.tables)}</li>
${rollback}
</ul>
<figure>${chart}</figure>
<table><thead><tr><th>table</th><th>rows written</th><th>batches</th><th>time</th><th>rows/s</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

export function verificationSection(data: ReportData): string {
  const f = data.verification;
  if (f.state !== 'ok') {
    const why = whyNotShown(f, 'verification.json');
    return `<section id="verification"><h2>Verification</h2><p class="muted" data-verification="${e(f.state)}">${e(why)} After apply, run <code>${e(`reconcile verify --plan ${data.planDir}`)}</code>.</p></section>`;
  }
  const v = f.value;
  return `<section id="verification" data-verification="${v.ok ? 'ok' : 'failed'}"><h2>Verification</h2>
<p><code>${e(v.target)}</code> checked ${e(v.checkedAt)} in ${e(seconds(v.seconds))}: <b class="${v.ok ? 'ok' : 'bad'}">${v.ok ? 'every table holds exactly the planned rows' : 'MISMATCH'}</b></p>
${checksTable(v.tables)}${v.tables.map(keysList).join('')}</section>`;
}

/** The keys verify found differing in a table (up to 20), as it printed them. */
function keysList(c: TableCheck): string {
  const k = c.keys;
  if (!k) return '';
  const items = k.lines.map((l) => `<li><code>${e(l)}</code></li>`).join('');
  const shown = k.lines.length < k.found ? `, the first ${k.lines.length} listed` : '';
  const head =
    k.found > 0
      ? `<p><code>${e(c.table)}</code>: ${k.found.toLocaleString('en-US')} keys differ from the plan${e(shown)}</p><ul>${items}</ul>`
      : '';
  const note = k.note ? `<p class="muted"><code>${e(c.table)}</code>: ${e(k.note)}</p>` : '';
  return `<div class="mismatch-keys" data-keys-table="${e(c.table)}">${head}${note}</div>`;
}

function checksSummary(checks: readonly TableCheck[]): string {
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0) return `<b class="ok">all ${checks.length} tables match</b>`;
  return `<b class="bad">${bad.length} of ${checks.length} tables differ: ${bad.map((c) => e(c.table)).join(', ')}</b>`;
}

function checksTable(checks: readonly TableCheck[]): string {
  const rows = checks.map(
    (c) =>
      `<tr data-table="${e(c.table)}" class="${c.ok ? '' : 'badrow'}"><td><code>${e(c.table)}</code></td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'mismatch'}</td><td class="n">${e(c.expected.count)}</td><td class="n">${e(c.actual.count)}</td><td><code>${e(c.expected.sum)}</code></td><td><code${c.actual.sum === c.expected.sum ? '' : ' class="diff"'}>${e(c.actual.sum)}</code></td><td class="n">${c.orphans}</td><td class="n">${c.uniqueViolations}</td><td>${e(c.detail ?? '')}</td></tr>`,
  );
  return `<div class="scroll"><table><thead><tr><th>table</th><th>result</th><th>rows expected</th><th>rows found</th><th>digest expected</th><th>digest found</th><th>orphans</th><th>unique violations</th><th>detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** A recorded policy as one line: `onChanged: newest; references: order_id → orders.id; …`. */
export function policyText(p: PolicyRecord): string {
  return Object.entries(p)
    .map(([k, v]) => {
      if (k === 'references')
        return `${k}: ${p.references.map((r) => `${r.column} → ${r.table}.${r.refColumn}`).join(', ') || '-'}`;
      return `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join('; ');
}
