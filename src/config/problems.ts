import type { z } from 'zod';
import { ENDPOINT_KEYS } from './schema.js';

/**
 * Turns zod issues into the one-line problems a user reads, each with its path, what was
 * expected and what was found: `defaults.onChanged: expected one of prefer-interim|prefer-backup|
 * newest|manual, got "sometimes"`.
 */

/** The policy keys `defaults` holds, and every table may set for itself. */
const POLICY_KEYS = [
  'onMissingInInterim',
  'onChanged',
  'onUniqueConflict',
  'remap',
  'createdAt',
  'updatedAt',
];

/** Keys each strict object accepts, to say what a misspelt key should have been. */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  top: ['backup', 'interim', 'target', 'out', 'incident', 'defaults', 'tables'],
  incident: ['start'],
  endpoint: ENDPOINT_KEYS,
  defaults: POLICY_KEYS,
  table: [...POLICY_KEYS, 'naturalKey', 'skip', 'references'],
};

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) {
      out += out ? `.${seg}` : seg;
    } else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(top level)';
}

/** A found value, shown the way the user wrote it. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Reflect.get(v, seg);
  }
  return v;
}

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return KNOWN_KEYS.top;
  if (path.length === 1 && path[0] === 'incident') return KNOWN_KEYS.incident;
  if (path.length === 1 && isEndpoint(path[0])) return KNOWN_KEYS.endpoint;
  if (path.length === 1 && path[0] === 'defaults') return KNOWN_KEYS.defaults;
  if (path.length === 2 && path[0] === 'tables') return KNOWN_KEYS.table;
  return undefined;
}

function isEndpoint(key: PropertyKey | undefined): boolean {
  return key === 'backup' || key === 'interim' || key === 'target';
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  number: 'a number',
};

/** One line per problem, in the order zod found them (the file's order). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const got = valueAt(input, path);
    const where = formatPath(path);
    switch (issue.code) {
      case 'invalid_type':
        out.push(
          got === undefined
            ? `${where}: required`
            : `${where}: expected ${path.length === 1 && isEndpoint(path[0]) ? 'a mysql:// URL or a mapping with url:' : (TYPE_WORDS[issue.expected] ?? issue.expected)}, got ${describeValue(got)}`,
        );
        break;
      case 'invalid_value':
        out.push(
          `${where}: expected one of ${issue.values.map(String).join('|')}, got ${describeValue(got)}`,
        );
        break;
      case 'unrecognized_keys': {
        const known = knownKeysAt(path);
        for (const k of issue.keys) {
          const hint = known ? ` (expected one of ${known.join('|')})` : '';
          out.push(`${formatPath([...path, k])}: unknown key${hint}`);
        }
        break;
      }
      case 'too_small':
        out.push(
          issue.origin === 'array'
            ? `${where}: expected at least one column, got an empty list`
            : `${where}: expected a non-empty value, got ${describeValue(got)}`,
        );
        break;
      case 'invalid_format':
        out.push(
          path[0] === 'tables' && path[2] === 'references'
            ? `${where}: expected "table.column", got ${describeValue(got)}`
            : `${where}: invalid format, got ${describeValue(got)}`,
        );
        break;
      case 'invalid_union':
        out.push(
          `${where}: expected a column name or a list of column names, got ${describeValue(got)}`,
        );
        break;
      default:
        out.push(`${where}: ${issue.message}`);
    }
  }
  return out;
}
