import { percent } from './decide.js';
import {
  collisionText,
  inclusionText,
  jsonCountsText,
  oneLine,
  timeCountsText,
  uniqueKeyText,
} from './evidence-text.js';
import type { InitDocument, TableProposals, TimeColumnProposal } from './proposal-types.js';

/**
 * The starter config as YAML: valid for `plan` as written, every proposal next to its evidence,
 * and every proposal that is not enabled written as a comment a DBA can uncomment. Pure.
 */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_REF = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
/** Words a YAML reader could take for something other than a string. */
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

/** A key or value as YAML: plain when it is a simple name, double-quoted otherwise. */
export function yamlString(s: string, plain: RegExp = PLAIN): string {
  return plain.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

/** One line of a table's block: `active` lines are written as YAML, others as comments. */
interface Line {
  readonly depth: number;
  readonly text: string;
  readonly active: boolean;
}

function renderLines(lines: readonly Line[], tableActive: boolean): string[] {
  return lines.map((l) => {
    const pad = '  '.repeat(l.depth);
    return l.active && tableActive ? `${pad}${l.text}` : `${pad}# ${l.text}`;
  });
}

function comment(text: string, why: string): string {
  return `# ${oneLine([why, text].filter((s) => s.length > 0).join('; '))}`;
}

export function renderInitYaml(doc: InitDocument): string {
  const s = doc.settings;
  const out = [
    '# A starter config proposed by `reconcile init`: review it, then `reconcile plan --config`.',
    '#',
    '# Every proposal has its evidence in a comment next to it. A reference is enabled when at',
    `# least ${percent(Math.round(s.minInclusion * 1000), 1000)} of its distinct values (measured on the backup) are in its parent's key`,
    '# (--min-inclusion); anything weaker, unmeasured, or a decision only you can make is written',
    '# commented out: uncomment what you accept.',
    `# Bounds: at most ${s.sampleRows.toLocaleString('en-US')} rows per table and measurement, ${s.sampleValues.toLocaleString('en-US')} distinct values per`,
    `# candidate, ${s.sampleDocuments} documents per JSON column, ${s.secondsPerTable} s per table.`,
    `# Servers: backup ${oneLine(doc.servers.backup)}, interim ${oneLine(doc.servers.interim)}.`,
    `backup: ${yamlString(doc.backup)}`,
    `interim: ${yamlString(doc.interim)}`,
    'target: interim',
  ];
  if (doc.incidentStart !== null) {
    out.push('incident:', `  start: ${JSON.stringify(doc.incidentStart)}`);
  } else {
    out.push(
      '# incident:',
      '#   start: "2020-02-23T19:00:00+08:00" # when the data was lost; createdAt needs it',
      '#   (run init with --incident-start to have creation times and collisions counted)',
    );
  }
  out.push(
    '# defaults, as plan applies them unless set: onMissingInInterim: restore, onChanged:',
    '# prefer-interim, onUniqueConflict: manual, remap: interim (see config/example.yaml).',
  );
  const blocks = doc.tables.map(tableBlock);
  out.push(blocks.some((b) => b.active) ? 'tables:' : 'tables: {}');
  for (const b of blocks) out.push(...b.lines);
  return `${out.join('\n')}\n`;
}

function tableBlock(t: TableProposals): { active: boolean; lines: string[] } {
  const entries = tableEntries(t);
  const active = entries.some((l) => l.active);
  const head = [`# ${tableHeadline(t)}`, ...tableNotes(t).map((x) => `#   ${oneLine(x)}`)];
  const name = active ? `${yamlString(t.table)}:` : `# ${yamlString(t.table)}:`;
  return {
    active,
    lines: [
      ...head.map((h) => `  ${h}`),
      ...(entries.length > 0 ? [`  ${name}`, ...renderLines(entries, active)] : []),
    ],
  };
}

function tableHeadline(t: TableProposals): string {
  const rows = (x: number | null) => (x === null ? 'absent' : `~${x.toLocaleString('en-US')} rows`);
  return `${t.table}: key ${t.identity}; backup ${rows(t.rowsEstimate.backup)}, interim ${rows(t.rowsEstimate.interim)}`;
}

function tableNotes(t: TableProposals): string[] {
  const notes: string[] = [];
  if (t.onlyIn === 'backup') {
    notes.push('only in the backup: plan refuses it until it exists in the target, or skip it');
  }
  if (t.onlyIn === 'interim') notes.push('only in the interim: plan leaves it as it is');
  if (t.drift) {
    notes.push('the two sides differ in shape: plan refuses it until they match, or skip it');
  }
  if (t.keyless) {
    notes.push(
      'no primary key or NOT NULL unique key: compared as a multiset, rows restored or kept, never matched as edits',
    );
  }
  const chosen = t.createdAt.find((c) => c.enabled)?.column ?? null;
  const collisions = collisionText(t.collisions);
  if (collisions !== null) notes.push(collisions);
  else if (t.onlyIn === null && !t.keyless && chosen === null) {
    notes.push(
      'no createdAt: collisions not counted (without createdAt or naturalKey, a reused id looks like an edit)',
    );
  }
  for (const u of t.uniqueKeys) notes.push(uniqueKeyText(u, chosen));
  for (const r of t.references.filter((x) => x.rule === 'declared')) {
    notes.push(
      `declared foreign key ${r.constraint ?? ''}: (${r.columns.join(', ')}) → ${r.parent}(${r.parentColumns.join(', ')}); plan follows it`,
    );
  }
  for (const x of t.triggers) {
    notes.push(
      `trigger ${x.name} ${x.timing} ${x.event} (${x.side === 'both' ? 'both sides' : x.side}): apply refuses to write the table while it fires, unless --allow-triggers`,
    );
  }
  notes.push(...t.notes);
  return notes;
}

function timeLines(list: readonly TimeColumnProposal[]): Line[] {
  return list.map((c) => ({
    depth: 2,
    text: `${c.role}: ${yamlString(c.column)} ${comment(timeCountsText(c.counts, c.role), `${c.type}; ${c.why}`)}`,
    active: c.enabled,
  }));
}

function tableEntries(t: TableProposals): Line[] {
  const lines: Line[] = [];
  if (t.onlyIn === 'backup' || t.drift) {
    lines.push({
      depth: 2,
      text: 'skip: true # not compared, not written, not verified',
      active: false,
    });
  }
  lines.push(...timeLines(t.createdAt), ...timeLines(t.updatedAt));
  if (
    t.uniqueKeys.some((u) => u.conflicts?.kind === 'measured' && u.conflicts.value.conflicts > 0)
  ) {
    lines.push({
      depth: 2,
      text: 'onUniqueConflict: manual # decide: manual (default: unresolved, both rows shown) | prefer-interim | prefer-backup | newest',
      active: false,
    });
  }
  const refs: Line[] = [];
  for (const r of t.references) {
    if (r.rule === 'declared' || r.columns.length !== 1) {
      if (r.rule === 'composite') {
        refs.push({
          depth: 3,
          text: `composite (${r.columns.join(', ')}) → ${r.parent}(${r.parentColumns.join(', ')}) ${comment(inclusionText(r.inclusion, r.parent, r.parentColumns), r.why)}`,
          active: false,
        });
      }
      continue;
    }
    const key = yamlString(r.columns[0] ?? '');
    const value = yamlString(`${r.parent}.${r.parentColumns[0] ?? ''}`, PLAIN_REF);
    const evidence = inclusionText(r.inclusion, r.parent, r.parentColumns);
    refs.push({
      depth: 3,
      text: `${key}: ${value} ${comment(evidence, r.why)}`,
      active: r.enabled,
    });
  }
  for (const j of t.jsonReferences) {
    const key = JSON.stringify(`${j.column}${j.path}`);
    const value = yamlString(`${j.parent}.${j.parentColumn}`, PLAIN_REF);
    const evidence = [
      jsonCountsText(j.counts, j.path),
      inclusionText(j.inclusion, j.parent, [j.parentColumn]),
    ]
      .filter((x) => x.length > 0)
      .join('; ');
    refs.push({
      depth: 3,
      text: `${key}: ${value} ${comment(evidence, j.why)}`,
      active: j.enabled,
    });
  }
  if (refs.length > 0) {
    lines.push({ depth: 2, text: 'references:', active: refs.some((r) => r.active) }, ...refs);
  }
  return lines;
}
