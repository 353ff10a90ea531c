import { formatJsonPath, type JsonPathStep } from '../config/json-path.js';
import { compareNames } from '../introspect/compare.js';
import {
  isGenericKeyName,
  matchReferenceName,
  type NameRule,
  ruleRank,
} from '../introspect/naming.js';
import { parentKey } from '../introspect/reference-candidates.js';
import type { SchemaInfo } from '../introspect/types.js';

/**
 * Finding ids inside JSON documents: which member paths of sampled documents hold integers,
 * and which of those paths are named like a reference to a table's key. Pure: documents in
 * (as text), candidates out; the server then measures each candidate (init's measure-sql.ts,
 * plan's warning about ids a remap moves that no reference follows).
 */

export interface IntegerPath {
  readonly path: string;
  readonly steps: readonly JsonPathStep[];
  /** sampled documents holding an integer there */
  readonly documents: number;
}

/** Members deeper than this are not followed: ids live near the top of a document. */
const MAX_DEPTH = 4;
/** Paths kept per column: a document with thousands of keys is a map, not a record. */
const MAX_PATHS = 200;

/**
 * The object-member paths at which some sampled document holds an integer, most frequent first
 * (then by path). Arrays are not entered: an id in a list has no single path to rewrite.
 * Documents that do not parse are skipped.
 */
export function integerPaths(documents: readonly string[]): IntegerPath[] {
  const seen = new Map<string, { steps: JsonPathStep[]; documents: number }>();
  for (const text of documents) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      continue;
    }
    const inThis = new Set<string>();
    walk(doc, [], (steps) => {
      const path = formatJsonPath(steps);
      if (inThis.has(path)) return;
      inThis.add(path);
      const entry = seen.get(path);
      if (entry) entry.documents++;
      else if (seen.size < MAX_PATHS) seen.set(path, { steps: [...steps], documents: 1 });
    });
  }
  return [...seen.entries()]
    .map(([path, e]) => ({ path, steps: e.steps, documents: e.documents }))
    .sort((a, b) => b.documents - a.documents || compareNames(a.path, b.path));
}

function walk(v: unknown, steps: JsonPathStep[], found: (steps: JsonPathStep[]) => void): void {
  if (typeof v === 'number' && Number.isInteger(v) && steps.length > 0) found(steps);
  if (v === null || typeof v !== 'object' || Array.isArray(v) || steps.length >= MAX_DEPTH) return;
  for (const [name, child] of Object.entries(v)) {
    walk(child, [...steps, { kind: 'member', name }], found);
  }
}

/**
 * The name a path gives its value, to match against table and key names: the last member, or,
 * when that is a bare `id`, the member that holds it and the id (`$.merchant.id` →
 * `merchant_id`).
 */
export function pathName(steps: readonly JsonPathStep[]): string | null {
  const members = steps.flatMap((s) => (s.kind === 'member' ? [s.name] : []));
  const last = members[members.length - 1];
  if (last === undefined) return null;
  const before = members[members.length - 2];
  return isGenericKeyName(last) && before !== undefined ? `${before}_${last}` : last;
}

export interface JsonReferenceCandidate {
  readonly table: string;
  readonly column: string;
  readonly path: string;
  readonly parent: string;
  readonly parentColumn: string;
  readonly rule: NameRule;
}

/**
 * For each integer path of `table.column`, the tables whose single integer key the path's name
 * points at, keeping only the best-ranked parents of each path.
 */
export function jsonReferenceCandidates(
  schema: SchemaInfo,
  table: string,
  column: string,
  paths: readonly IntegerPath[],
): JsonReferenceCandidate[] {
  const out: JsonReferenceCandidate[] = [];
  for (const p of paths) {
    const name = pathName(p.steps);
    if (name === null) continue;
    const found: JsonReferenceCandidate[] = [];
    for (const parent of schema.tables.values()) {
      const key = parentKey(parent);
      const k = key?.length === 1 ? key[0] : undefined;
      if (k === undefined) continue;
      const keyCol = parent.columns.find((c) => c.name.toLowerCase() === k.toLowerCase());
      if (keyCol?.family !== 'integer') continue;
      const rule = matchReferenceName(name, table, parent.name, k);
      if (rule === null) continue;
      found.push({ table, column, path: p.path, parent: parent.name, parentColumn: k, rule });
    }
    const best = Math.max(0, ...found.map((f) => ruleRank(f.rule)));
    out.push(...found.filter((f) => ruleRank(f.rule) === best));
  }
  return out.sort((a, b) => compareNames(a.path, b.path) || compareNames(a.parent, b.parent));
}
