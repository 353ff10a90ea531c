import type { Cell } from '../cell/cells.js';

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
 * A cell as a person reads it: NULL, bytes as 0x…, text as is (long text cut, with its length).
 * Not escaped: callers escape for their format.
 */
export function cellText(c: Cell | undefined, max = 80): string {
  if (c === undefined) return '(absent)';
  if (c === null) return 'NULL';
  if (typeof c !== 'string') {
    const hex = c.hex.length > max ? `${c.hex.slice(0, max)}… (${c.hex.length / 2} bytes)` : c.hex;
    return `0x${hex}`;
  }
  return c.length > max ? `${c.slice(0, max)}… (${c.length} chars)` : c;
}

/** A key as one line: `id=7` or `merchant_id=3, order_no=A-1`. */
export function keyText(key: Readonly<Record<string, Cell>>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${cellText(v, 40)}`);
  return parts.length > 0 ? parts.join(', ') : '(whole row)';
}
