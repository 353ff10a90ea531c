import { bytesLiteral } from '../cell/bytes-text.js';
import type { Cell } from '../cell/cells.js';
import type { PlanTable } from '../plan/format.js';

/** Text for HTML element content and attribute values: every markup character escaped. */
export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Text for a Markdown table cell or line: Markdown's punctuation backslash-escaped (so a table
 * named "a|b" or "<script>" stays text), line breaks flattened.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>|~#&]/g, '\\$&').replace(/\r?\n|\r/g, ' ');
}

/**
 * A cell as a person reads it: NULL, text as is (long text cut, with its length), bytes as
 * `_binary'abc'` where printable and `asText` (a byte string, not BIT), else as 0x….
 * Not escaped: callers escape for their format.
 */
export function cellText(c: Cell | undefined, max = 80, asText = false): string {
  if (c === undefined) return '(absent)';
  if (c === null) return 'NULL';
  if (typeof c !== 'string') return bytesLiteral(c.hex, asText, max);
  return c.length > max ? `${c.slice(0, max)}… (${c.length} chars)` : c;
}

/** A key as one line: `id=7` or `merchant_id=3, order_no=A-1`. */
export function keyText(
  key: Readonly<Record<string, Cell>>,
  asText: (column: string) => boolean = () => false,
): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${cellText(v, 40, asText(k))}`);
  return parts.length > 0 ? parts.join(', ') : '(whole row)';
}

/**
 * Which of a plan table's columns show printable bytes as text: every one but its BIT columns;
 * none for a plan that does not say which are BIT (made before it recorded them).
 */
export function bytesAsText(t: Pick<PlanTable, 'bitColumns'>): (column: string) => boolean {
  const bits = t.bitColumns;
  return bits === undefined ? () => false : (column) => !bits.includes(column);
}
