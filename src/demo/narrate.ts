/** What the demo prints at each step. Pure: results in, lines out. */

import type { DiffDocument } from '../diff/result.js';
import { num, textGrid } from '../text-grid.js';
import type { LoadedIncident } from './incident-sql.js';
import type { TruthCounts } from './incident-truth.js';
import { SHOP_TABLES } from './shop-schema.js';

/** Columns of text, numbers right-aligned, indented under a step's name. */
export function textTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  indent = '     ',
): string[] {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? num(c) : c)));
  const right = (i: number): boolean =>
    rows.length > 0 && rows.every((r) => typeof r[i] === 'number');
  return textGrid(head, cells, { right, rule: false, indent });
}

export function n(x: number): string {
  return num(x);
}

/** The incident in a few lines: what the generator made, by its own count. */
export function incidentLines(incident: LoadedIncident): string[] {
  const { truth } = incident;
  const backupRows = SHOP_TABLES.reduce((s, t) => s + incident.backupRows[t], 0);
  const sum = (k: keyof TruthCounts): number => SHOP_TABLES.reduce((s, t) => s + truth[t][k], 0);
  const f = incident.facts;
  return [
    `backup   ${n(backupRows)} rows in ${SHOP_TABLES.length} tables: the pre-incident snapshot`,
    `interim  ${n(incident.interimRows)} rows: a partial restore (${n(f.restoredMerchants)} merchants) plus a week of incident traffic`,
    `made: ${n(sum('collision'))} id collisions, ${n(sum('changed'))} edits of restored rows, ${n(sum('onlyBackup'))} rows not restored, ${n(sum('onlyInterim'))} new rows past the backup's ids`,
    `and:  ${f.reRegisteredEmail} signed up again during the incident (backup merchant ${f.reRegistered.backupId}, interim merchant ${f.reRegistered.interimId}); audit_log has no key`,
  ];
}

export function diffLines(doc: DiffDocument): string[] {
  const t = doc.totals;
  return [
    `${n(t.identical)} identical, ${n(t.changed)} changed, ${n(t.onlyBackup)} only in backup, ${n(t.onlyInterim)} only in interim (${doc.seconds} s)`,
    ...textTable(
      ['table', 'identical', 'changed', 'only backup', 'only interim', 'method'],
      doc.tables.map((x) => [
        x.table,
        x.identical,
        x.changed,
        x.onlyBackup,
        x.onlyInterim,
        x.method,
      ]),
      '',
    ),
    "diff cannot tell an edit from a reused id: both are 'changed'. The plan can.",
  ];
}
