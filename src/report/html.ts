/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external asset;
 * a Content-Security-Policy forbids the page any network access) a DBA can attach to a ticket.
 * Pure: ReportData in, a string out. Every value from the plan is escaped.
 */

import type { PlanTable } from '../plan/format.js';
import { stackedBars } from './charts.js';
import { escapeHtml as e } from './escape.js';
import {
  changesSection,
  conflictsSection,
  rehearsalSection,
  rulesSection,
  verificationSection,
} from './html-sections.js';
import { ACTION_LABELS, CLASS_LABELS, driftText, skippedTables } from './labels.js';
import { type ReportData, reportStatus } from './report-data.js';
import { REPORT_CSS } from './report-style.js';

export function renderHtml(data: ReportData): string {
  const m = data.manifest;
  const title = `reconcile report: plan ${m.planId.slice(0, 12)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${e(title)}</h1>
${sourcesList(data)}
</header>
<main>
${statusSection(data)}
${totalsSection(data)}
${tablesSection(data)}
${remapSection(data)}
${conflictsSection(data)}
${changesSection(data)}
${rulesSection(data)}
${rehearsalSection(data)}
${verificationSection(data)}
</main>
<footer>
<p>Made by <code>reconcile report</code> from the plan folder <code>${e(data.planDir)}</code>
(plan.json, ${m.tables.length} action files, plan.sql). The plan's id was checked against its
files before this report was made.</p>
</footer>
</body>
</html>
`;
}

function sourcesList(data: ReportData): string {
  const m = data.manifest;
  const s = m.sources;
  const row = (what: string, v: string): string => `<dt>${e(what)}</dt><dd>${v}</dd>`;
  return `<dl class="sources">
${row('plan id', `<code>${e(m.planId)}</code>`)}
${row('backup', `<code>${e(s.backup.url)}</code> <span class="muted">${e(s.backup.server)}</span>`)}
${row('interim', `<code>${e(s.interim.url)}</code> <span class="muted">${e(s.interim.server)}</span>`)}
${row('target', `<code>${e(s.target.url)}</code> ${m.inPlace ? '<span class="tag">in place: the interim schema itself</span>' : ''}`)}
${row('incident start', m.incident.start ? e(m.incident.start) : '<span class="muted">not given</span>')}
${row('config hash', `<code>${e(m.configHash.slice(0, 16))}</code>`)}
</dl>`;
}

function statusSection(data: ReportData): string {
  const items = reportStatus(data).map(
    (s) => `<li class="status ${s.tone}" data-status="${e(s.what)}">${e(s.text)}</li>`,
  );
  return `<section id="status"><h2>Verdict</h2><ul class="verdict">${items.join('')}</ul></section>`;
}

function totalsSection(data: ReportData): string {
  const t = data.manifest.totals;
  const card = (field: string, label: string, n: number, cls: string): string =>
    `<div class="card ${cls}" data-total="${e(field)}"><span class="n" data-value="${n}">${n.toLocaleString('en-US')}</span><span class="l">${e(label)}</span></div>`;
  const classes = CLASS_LABELS.map(([f, l]) => card(f, l, t[f], `c-${f}`)).join('');
  const actions = ACTION_LABELS.map(([f, l]) => card(f, l, t[f], `a-${f}`)).join('');
  const tablesCount = data.manifest.tables.length;
  const remapped = data.manifest.remaps.reduce((n, r) => n + r.count, 0);
  return `<section id="totals"><h2>Totals</h2>
<p>${tablesCount.toLocaleString('en-US')} tables; ${remapped.toLocaleString('en-US')} rows get new ids.</p>
<h3>Rows by class</h3><div class="cards">${classes}</div>
<h3>Actions</h3><div class="cards">${actions}</div></section>`;
}

function tablesSection(data: ReportData): string {
  const chart = stackedBars(
    data.tables.map((t) => ({
      label: t.plan.table,
      segments: CLASS_LABELS.map(([f, l]) => ({ name: l, value: t.plan.counts[f], cls: `c-${f}` })),
    })),
    'Rows by class per table',
  );
  const legend = CLASS_LABELS.map(
    ([f, l]) => `<span class="key"><span class="swatch c-${f}"></span>${e(l)}</span>`,
  ).join(' ');
  const head = [
    'table',
    ...CLASS_LABELS.map(([, l]) => l),
    ...ACTION_LABELS.map(([, l]) => l),
    'schema drift',
    'AUTO_INCREMENT after',
  ];
  const rows = data.tables.map(({ plan }) => tableRow(plan));
  const skipped = skippedTables(data.manifest).map(
    (x) => `<li><code>${e(x.table)}</code>: ${e(x.reason)}</li>`,
  );
  const skippedList =
    skipped.length > 0
      ? `<p>Left alone by the plan (not in its digests):</p><ul class="skipped">${skipped.join('')}</ul>`
      : '';
  return `<section id="tables"><h2>Per table</h2>
<figure>${chart}<figcaption>${legend}</figcaption></figure>
<div class="scroll"><table class="summary"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>${skippedList}</section>`;
}

function tableRow(t: PlanTable): string {
  const num = (field: string, n: number, cls = ''): string =>
    `<td class="n ${cls}${n === 0 ? ' zero' : ''}" data-field="${e(field)}" data-value="${n}">${n.toLocaleString('en-US')}</td>`;
  const classes = CLASS_LABELS.map(([f]) => num(f, t.counts[f]));
  const actions = ACTION_LABELS.map(([f]) =>
    num(f, t.actions[f], f === 'unresolved' && t.actions.unresolved > 0 ? 'bad' : ''),
  );
  const ai = t.autoIncrement ? `${t.autoIncrement.column} ≥ ${t.autoIncrement.next}` : '';
  return `<tr data-table="${e(t.table)}"><th scope="row"><code>${e(t.table)}</code></th>${classes.join('')}${actions.join('')}<td class="drift">${e(driftText(t.drift))}</td><td>${e(ai)}</td></tr>`;
}

function remapSection(data: ReportData): string {
  const remaps = data.manifest.remaps;
  if (remaps.length === 0) {
    return '<section id="remaps"><h2>New ids</h2><p class="muted">No row gets a new id: no id collision.</p></section>';
  }
  const rows = remaps.map(
    (r) =>
      `<tr data-remap="${e(`${r.table}.${r.column}`)}"><td><code>${e(r.table)}.${e(r.column)}</code></td><td>${e(r.side)}</td><td class="n" data-value="${r.count}">${r.count.toLocaleString('en-US')}</td><td><code>${e(r.first)}</code> … <code>${e(r.last)}</code></td><td>${r.followedBy.length > 0 ? r.followedBy.map((f) => `<code>${e(f)}</code>`).join(', ') : '<span class="muted">nothing refers to it</span>'}</td></tr>`,
  );
  return `<section id="remaps"><h2>New ids</h2>
<p>Colliding rows of one side get fresh ids above both sides' maxima; every column that refers to them is rewritten to follow.</p>
<table><thead><tr><th>id column</th><th>rows of</th><th>rows</th><th>new ids</th><th>rewritten to follow</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}
