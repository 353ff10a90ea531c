/**
 * The report as Markdown (GitHub flavour), for pasting into a ticket: the same facts as the
 * HTML report, without the charts. Pure; every value from the plan escaped.
 */
import type { Row } from '../cell/cells.js';
import { bytesAsText, cellText, keyText, escapeMarkdown as m } from './escape.js';
import { ACTION_LABELS, CLASS_LABELS, driftText, skippedTables, tableNotes } from './labels.js';
import { columnsOf, type ReportData, reportStatus, seconds } from './report-data.js';
import type { TableCheck } from './run-results.js';

const MARK = { ok: '✓', bad: '✗', warn: '!', none: '–' } as const;

export function renderMarkdown(data: ReportData): string {
  const out = [
    ...header(data),
    ...totals(data),
    ...newIds(data),
    ...conflicts(data),
    ...rules(data),
    ...rehearsal(data),
    ...verification(data),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}

function header(data: ReportData): string[] {
  const man = data.manifest;
  const s = man.sources;
  return [
    `# reconcile report: plan ${man.planId.slice(0, 12)}`,
    '',
    `- plan id: ${m(man.planId)}`,
    `- backup: ${m(s.backup.url)} (${m(s.backup.server)})`,
    `- interim: ${m(s.interim.url)} (${m(s.interim.server)})`,
    `- target: ${m(s.target.url)}${man.inPlace ? ' (in place: the interim schema itself)' : ''}`,
    `- incident start: ${man.incident.start ? m(man.incident.start) : 'not given'}`,
    '',
    '## Verdict',
    '',
    ...reportStatus(data).map((l) => `- ${MARK[l.tone]} ${m(l.text)}`),
    '',
  ];
}

function totals(data: ReportData): string[] {
  const man = data.manifest;
  const t = man.totals;
  const out = [
    '## Totals',
    '',
    ...table(
      [...CLASS_LABELS, ...ACTION_LABELS].map(([, l]) => l),
      [[...CLASS_LABELS.map(([f]) => num(t[f])), ...ACTION_LABELS.map(([f]) => num(t[f]))]],
    ),
    '',
    '## Per table',
    '',
    ...table(
      [
        'table',
        ...CLASS_LABELS.map(([, l]) => l),
        ...ACTION_LABELS.map(([, l]) => l),
        'schema drift',
      ],
      data.tables.map(({ plan: p }) => [
        m(p.table),
        ...CLASS_LABELS.map(([f]) => num(p.counts[f])),
        ...ACTION_LABELS.map(([f]) => num(p.actions[f])),
        m(driftText(p.drift)),
      ]),
    ),
    '',
  ];
  const skipped = skippedTables(man);
  for (const x of skipped) out.push(`- left alone: ${m(x.table)}: ${m(x.reason)}`);
  if (skipped.length > 0) out.push('');
  return out;
}

function newIds(data: ReportData): string[] {
  const man = data.manifest;
  if (man.remaps.length === 0) return ['## New ids', '', 'No row gets a new id.', ''];
  return [
    '## New ids',
    '',
    ...table(
      ['id column', 'rows of', 'rows', 'new ids', 'rewritten to follow'],
      man.remaps.map((r) => [
        m(`${r.table}.${r.column}`),
        r.side,
        num(r.count),
        `${m(r.first)} … ${m(r.last)}`,
        r.followedBy.map(m).join(', ') || '—',
      ]),
    ),
    '',
  ];
}

function conflicts(data: ReportData): string[] {
  const out = ['## Unresolved conflicts', ''];
  if (data.manifest.unresolved === 0) out.push('None: every key was decided by a policy.', '');
  for (const tr of data.tables.filter((x) => x.conflicts.length > 0)) {
    out.push(
      `### ${m(tr.plan.table)} (${tr.conflicts.length} of ${tr.plan.actions.unresolved} shown)`,
      '',
    );
    const asText = bytesAsText(tr.plan);
    for (const c of tr.conflicts) {
      out.push(`**${m(keyText(c.key, asText))}**: ${m(c.reason)} (rule ${m(c.rule)})`, '');
      out.push(
        ...rowsTable(columnsOf(c.backup, c.interim), new Set(c.differing), asText, [
          ['backup', c.backup],
          ['interim', c.interim],
        ]),
        '',
      );
    }
  }
  return out;
}

function rules(data: ReportData): string[] {
  const out = [
    '## Rules that decided',
    '',
    ...table(
      ['table', 'action', 'rule', 'rows'],
      data.tables.flatMap((tr) =>
        tr.rules.map((r) => [m(tr.plan.table), r.op, m(r.rule), num(r.count)]),
      ),
    ),
    '',
  ];
  const notes = data.tables.flatMap((tr) =>
    tableNotes(tr.plan).map((x) => `- ${m(tr.plan.table)}: ${m(x)}`),
  );
  if (notes.length > 0) out.push('Decisions without an action of their own:', '', ...notes, '');
  return out;
}

function rehearsal(data: ReportData): string[] {
  const r = data.rehearsal;
  if (r.state !== 'ok')
    return ['## Rehearsal', '', `Not shown (${r.state === 'absent' ? 'not run' : r.state}).`, ''];
  const v = r.value;
  return [
    '## Rehearsal',
    '',
    `${v.ok ? '✓ passed' : '✗ FAILED'} ${v.mode === 'in-place' ? 'in place, then rolled back' : 'on a scratch copy'} (${m(v.ranOn)}) in ${seconds(v.seconds)}; apply ${seconds(v.applySeconds)}; **projected window ${seconds(v.projectedWindowSeconds)}**.${v.error ? ` ${m(v.error)}` : ''}`,
    '',
    ...table(
      ['table', 'rows written', 'batches', 'time'],
      v.tables.map((x) => [m(x.table), num(x.rows), num(x.batches), seconds(x.seconds)]),
    ),
    '',
  ];
}

function verification(data: ReportData): string[] {
  const f = data.verification;
  if (f.state !== 'ok')
    return [
      '## Verification',
      '',
      `Not shown (${f.state === 'absent' ? 'not run' : f.state}).`,
      '',
    ];
  const v = f.value;
  return [
    '## Verification',
    '',
    `${v.ok ? '✓ every table holds exactly the planned rows' : '✗ MISMATCH'}: ${m(v.target)}, ${m(v.checkedAt)}.`,
    '',
    ...table(
      ['table', 'result', 'rows expected', 'rows found', 'orphans', 'unique violations'],
      v.tables.map((c) => [
        m(c.table),
        c.ok ? 'ok' : '**mismatch**',
        m(c.expected.count),
        m(c.actual.count),
        num(c.orphans),
        num(c.uniqueViolations),
      ]),
    ),
    '',
    ...v.tables.flatMap(keysList),
  ];
}

/** The keys verify found differing in a table (up to 20), as it printed them. */
function keysList(c: TableCheck): string[] {
  const k = c.keys;
  if (!k) return [];
  const out: string[] = [];
  if (k.found > 0) {
    const shown = k.lines.length < k.found ? `, the first ${k.lines.length} listed` : '';
    out.push(`${m(c.table)}: ${num(k.found)} keys differ from the plan${shown}:`, '');
    out.push(...k.lines.map((l) => `- \`${l.replaceAll('`', "'")}\``), '');
  }
  if (k.note) out.push(`${m(c.table)}: ${m(k.note)}`, '');
  return out;
}

function rowsTable(
  cols: readonly string[],
  diff: ReadonlySet<string>,
  asText: (column: string) => boolean,
  rows: readonly (readonly [string, Row | null])[],
): string[] {
  const head = ['', ...cols.map((c) => (diff.has(c) ? `**${m(c)}**` : m(c)))];
  const body = rows.map(([label, r]) => [
    label,
    ...cols.map((c) => {
      if (!r) return '—';
      const text = m(cellText(r[c], 80, asText(c)));
      return diff.has(c) && text.length > 0 ? `**${text}**` : text;
    }),
  ]);
  return table(head, body);
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return ['(none)'];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}
