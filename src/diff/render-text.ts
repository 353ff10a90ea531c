import { bytesLiteral } from '../cell/bytes-text.js';
import { num, textGrid } from '../text-grid.js';
import type { DiffDocument, KeyObject, TableDiffResult } from './result.js';

/** The diff document as a readable report for a terminal. */
export function renderDiffText(doc: DiffDocument): string {
  const lines: string[] = [];
  lines.push(`backup:  ${doc.backup}  (${doc.servers.backup})`);
  lines.push(`interim: ${doc.interim}  (${doc.servers.interim})`);
  lines.push('');
  const header = [
    'table',
    'identical',
    'changed',
    'only backup',
    'only interim',
    'drift',
    'method',
  ];
  const rows = doc.tables.map((t) => [
    t.table,
    num(t.identical),
    num(t.changed),
    num(t.onlyBackup),
    num(t.onlyInterim),
    t.status === 'onlyInBackup'
      ? 'table only in backup'
      : t.status === 'onlyInInterim'
        ? 'table only in interim'
        : t.drift
          ? 'yes'
          : '-',
    t.method === 'checksum' ? `checksum (${t.chunksSkipped}/${t.chunks} chunks skipped)` : t.method,
  ]);
  const tot = doc.totals;
  rows.push([
    `total (${tot.tables} tables)`,
    num(tot.identical),
    num(tot.changed),
    num(tot.onlyBackup),
    num(tot.onlyInterim),
    tot.tablesWithDrift > 0 ? `${tot.tablesWithDrift} tables` : '-',
    '',
  ]);
  // counts right-aligned; the name, drift and method columns left-aligned
  lines.push(...textGrid(header, rows, { right: (i) => i > 0 && i < 5 }));

  for (const t of doc.tables) {
    const details = tableDetails(t);
    if (details.length > 0) {
      lines.push('', `${t.table}:`, ...details.map((d) => `  ${d}`));
    }
  }
  lines.push('');
  lines.push(
    tot.tablesWithDifferences === 0
      ? `no differences (${doc.seconds}s)`
      : `${tot.tablesWithDifferences} of ${tot.tables} tables differ (${doc.seconds}s)`,
  );
  return `${lines.join('\n')}\n`;
}

function tableDetails(t: TableDiffResult): string[] {
  const out: string[] = [];
  if (t.drift) {
    const d = t.drift;
    if (d.columnsOnlyInBackup.length)
      out.push(`columns only in backup: ${d.columnsOnlyInBackup.join(', ')}`);
    if (d.columnsOnlyInInterim.length)
      out.push(`columns only in interim: ${d.columnsOnlyInInterim.join(', ')}`);
    for (const c of d.typeChanged)
      out.push(`type of ${c.column}: ${c.backup} (backup) vs ${c.interim} (interim)`);
    if (d.identityChanged) {
      out.push(
        `row identity: ${d.identityChanged.backup} (backup) vs ${d.identityChanged.interim} (interim)`,
      );
    }
    out.push('(the common columns were compared)');
  }
  const cols = Object.entries(t.changedColumns).sort((a, b) => b[1] - a[1]);
  if (cols.length)
    out.push(`changed columns: ${cols.map(([c, n]) => `${c} (${num(n)})`).join(', ')}`);
  if (t.samples.changed.length) {
    out.push(
      `changed, e.g.: ${t.samples.changed
        .slice(0, 5)
        .map((s) => keyText(s.key, t.bitColumns))
        .join('; ')}`,
    );
  }
  for (const cls of ['onlyBackup', 'onlyInterim'] as const) {
    const s = t.samples[cls];
    if (!s.length) continue;
    const label = cls === 'onlyBackup' ? 'only in backup' : 'only in interim';
    out.push(
      `${label}, e.g.: ${s
        .slice(0, 5)
        .map((x) =>
          'key' in x ? keyText(x.key, t.bitColumns) : `${keyText(x.row, t.bitColumns)} ×${x.count}`,
        )
        .join('; ')}`,
    );
  }
  if (t.methodNote && t.method !== 'count') out.push(`note: ${t.methodNote}`);
  return out;
}

/**
 * A key (or a row) as a WHERE would name it: numbers bare, text and printable bytes as SQL
 * literals, other bytes and BIT values (`bitColumns`) as hex.
 */
export function keyText(k: KeyObject, bitColumns: readonly string[] = []): string {
  const parts = Object.entries(k).map(([c, v]) => {
    const text =
      v === null
        ? 'NULL'
        : typeof v === 'string'
          ? /^-?\d+(\.\d+)?$/.test(v)
            ? v
            : sqlString(v)
          : bytesLiteral(v.hex, !bitColumns.includes(c));
    return `${c}=${text}`;
  });
  const [only, ...more] = parts;
  return only !== undefined && more.length === 0 ? only : `(${parts.join(', ')})`;
}

/** A MySQL string literal, on one line: quotes doubled, backslashes and line breaks escaped. */
function sqlString(v: string): string {
  const body = v
    .replaceAll('\\', '\\\\')
    .replaceAll("'", "''")
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `'${body}'`;
}
