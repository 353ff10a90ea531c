import { UsageError } from '../errors.js';

/**
 * The syntax of MySQL/MariaDB option files (`my.cnf`), as the client library reads it
 * (MariaDB's mysys/my_default.c; `my_print_defaults` is the oracle the tests compare with):
 * - a line is trimmed on the left; `#` or `;` at its start makes it a comment;
 * - `[group]`: the group's name up to `]`, trailing spaces dropped, compared ignoring case;
 * - `name`, `name = value`: a `#` outside quotes ends the line; name and value are trimmed; a
 *   value wrapped in one kind of quote loses them; `\n \t \r \b \s \" \' \\` are escapes, any
 *   other backslash stays;
 * - `!include FILE`, `!includedir DIR`: read that file, or every `*.cnf` of that folder;
 * - an option before any group is an error, as is a `[` without `]`.
 */

export type OptionFileLine =
  | {
      readonly kind: 'option';
      readonly group: string;
      readonly name: string;
      /** null: the name alone (`skip-ssl`, `password`) */
      readonly value: string | null;
      readonly line: number;
    }
  | { readonly kind: 'include' | 'includedir'; readonly path: string; readonly line: number };

export function parseOptionFile(text: string, file: string): OptionFileLine[] {
  const out: OptionFileLine[] = [];
  let group: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const s = (lines[i] ?? '').replace(/^\s+/, '');
    if (s === '' || s.startsWith('#') || s.startsWith(';')) continue;
    if (s.startsWith('!')) {
      out.push(directive(s, file, line));
      continue;
    }
    if (s.startsWith('[')) {
      const end = s.indexOf(']');
      if (end < 0) throw new UsageError(`${file}:${line}: a group without its closing ]`);
      group = s.slice(1, end).replace(/\s+$/, '').toLowerCase();
      continue;
    }
    if (group === null) {
      throw new UsageError(`${file}:${line}: an option before any [group]`);
    }
    const option = optionLine(s);
    if (option.name !== '') out.push({ kind: 'option', group, ...option, line });
  }
  return out;
}

function directive(s: string, file: string, line: number): OptionFileLine {
  const m = /^!(includedir|include)\s+(.*?)\s*$/.exec(s);
  if (!m?.[2]) {
    throw new UsageError(`${file}:${line}: unknown directive (expected !include or !includedir)`);
  }
  return { kind: m[1] === 'includedir' ? 'includedir' : 'include', path: m[2], line };
}

function optionLine(s: string): { name: string; value: string | null } {
  const text = withoutComment(s);
  const eq = text.indexOf('=');
  if (eq < 0) return { name: text.trim(), value: null };
  let value = text
    .slice(eq + 1)
    .replace(/^\s+/, '')
    .replace(/\s+$/, '');
  const first = value[0];
  if ((first === '"' || first === "'") && value.length > 1 && value.endsWith(first)) {
    value = value.slice(1, -1);
  }
  return { name: text.slice(0, eq).trim(), value: unescapeValue(value) };
}

/** Cuts at the first `#` outside quotes (a backslash escapes a quote inside quotes). */
function withoutComment(s: string): string {
  let quote: string | null = null;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if ((c === '"' || c === "'") && !escaped) {
      if (quote === null) quote = c;
      else if (quote === c) quote = null;
    }
    if (quote === null && c === '#') return s.slice(0, i);
    escaped = quote !== null && c === '\\' && !escaped;
  }
  return s;
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  s: ' ',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] ?? '';
    const next = v[i + 1];
    if (c === '\\' && next !== undefined) {
      out += ESCAPES[next] ?? `\\${next}`;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
