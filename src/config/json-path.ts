/**
 * JSON paths inside a `references` key: `extra$.merchant_id` is the column `extra` and the path
 * `$.merchant_id`. Only the subset of the SQL/JSON path language that names exactly one place
 * in a document is accepted (members and array indexes, no wildcards, no ranges), so that
 * MariaDB and MySQL both take it in JSON_EXTRACT / JSON_SET and a rewrite touches one value.
 */

export type JsonPathStep =
  | { readonly kind: 'member'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number };

/** A member name written without quotes: an ECMAScript identifier, as both servers require. */
const BARE_MEMBER = /^[A-Za-z_$][A-Za-z0-9_$]*/;

/** Parses `$.a.b`, `$."odd key"[2].id`; a problem (what is wrong) when it is not such a path. */
export function parseJsonPath(text: string): readonly JsonPathStep[] | string {
  if (!text.startsWith('$')) return 'a JSON path starts with $';
  const steps: JsonPathStep[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      const rest = text.slice(i + 1);
      if (rest.startsWith('"')) {
        const end = closingQuote(rest);
        if (end < 0) return 'a quoted member name has no closing quote';
        let name: unknown;
        try {
          name = JSON.parse(rest.slice(0, end + 1));
        } catch {
          return 'a quoted member name is not a valid JSON string';
        }
        if (typeof name !== 'string' || name.length === 0) return 'an empty member name';
        steps.push({ kind: 'member', name });
        i += end + 2;
        continue;
      }
      const m = BARE_MEMBER.exec(rest);
      if (!m) {
        return rest.startsWith('*')
          ? 'wildcards (* and **) name many places: give one path per reference'
          : 'after "." a member name (letters, digits, _ or $; quote any other name: ."my key")';
      }
      steps.push({ kind: 'member', name: m[0] });
      i += 1 + m[0].length;
      continue;
    }
    if (c === '[') {
      const m = /^\[(\d{1,9})\]/.exec(text.slice(i));
      if (!m) return 'an array step is a non-negative index, as in [0] (no [*], no ranges)';
      steps.push({ kind: 'index', index: Number(m[1]) });
      i += m[0].length;
      continue;
    }
    return `unexpected ${JSON.stringify(c)} at character ${i + 1}`;
  }
  if (steps.length === 0) return 'the path names the whole document ($): name a member';
  return steps;
}

/** Index of the quote that closes the string opening at 0, or -1. */
function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** The path as both servers read it: members bare when they can be, quoted otherwise. */
export function formatJsonPath(steps: readonly JsonPathStep[]): string {
  let out = '$';
  for (const s of steps) {
    if (s.kind === 'index') out += `[${s.index}]`;
    else if (BARE_MEMBER.exec(s.name)?.[0] === s.name) out += `.${s.name}`;
    else out += `.${JSON.stringify(s.name)}`;
  }
  return out;
}

/**
 * Splits a `references` key into column and JSON path: the path begins at the first `$` that is
 * followed by `.` or `[` (so a column whose name ends in `$` still works: `a$$.x`). Null when the
 * key is a plain column name.
 */
export function splitJsonReferenceKey(key: string): { column: string; path: string } | null {
  const m = /\$[.[]/.exec(key);
  if (!m) return null;
  return { column: key.slice(0, m.index), path: key.slice(m.index) };
}
