import type { JsonPathStep } from '../config/json-path.js';
import { columnKey, compareNames } from '../introspect/compare.js';
import type { ForeignKeyInfo } from '../introspect/types.js';
import { columnIndex, type Reference, type TableModel } from './table-model.js';

/** A reference that cannot be followed, and why (reported; fatal only if its parent moves). */
export interface UnfollowedReference {
  readonly label: string;
  /** the referencing table */
  readonly child: string;
  readonly parent: string;
  readonly reason: string;
}

interface Candidate {
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly source: 'declared' | 'config';
  /** the id's place inside a JSON column's documents (`extra$.merchant_id`), or null */
  readonly path: readonly JsonPathStep[] | null;
  readonly pathText: string;
}

/** The schemas whose foreign keys count: a key pointing into another schema is not part of the merge. */
export interface MergeSchemas {
  readonly backup: string;
  readonly interim: string;
  readonly target: string;
}

/**
 * Finds every reference between planned tables: foreign keys declared on the backup, the interim
 * or the target (a rebuilt interim often lacks some), plus `references` from the config.
 * Returns the models with their `refs`, and the references that cannot be followed.
 */
export function linkReferences(
  models: readonly TableModel[],
  schemas: MergeSchemas,
): { models: TableModel[]; unfollowed: UnfollowedReference[] } {
  const byName = new Map(models.map((m) => [m.name, m]));
  const unfollowed: UnfollowedReference[] = [];
  const linked = models.map((m) => {
    const seen = new Set<string>();
    const refs: Reference[] = [];
    for (const c of candidates(m, schemas)) {
      const r = toReference(m, c, byName);
      if (r === null) continue;
      if ('reason' in r) {
        unfollowed.push(r);
        continue;
      }
      const id = `${r.columns.join('\u0000')}${r.path ? `\u0002${JSON.stringify(r.path)}` : ''}\u0001${r.parent}`;
      if (seen.has(id)) continue;
      seen.add(id);
      refs.push(r);
    }
    refs.sort((a, b) => compareNames(a.label, b.label) || compareNames(a.parent, b.parent));
    return { ...m, refs };
  });
  return { models: linked, unfollowed: distinct(unfollowed) };
}

/** Declared foreign keys of the three sides, then the config's references. */
function candidates(m: TableModel, schemas: MergeSchemas): Candidate[] {
  const out: Candidate[] = [];
  const fromFks = (fks: readonly ForeignKeyInfo[], schema: string): void => {
    for (const fk of fks) {
      if (fk.refSchema !== schema) continue; // another schema: not part of this merge
      out.push({
        columns: fk.columns,
        refTable: fk.refTable,
        refColumns: fk.refColumns,
        source: 'declared',
        path: null,
        pathText: '',
      });
    }
  };
  fromFks(m.pair.backup.foreignKeys, schemas.backup);
  fromFks(m.pair.interim.foreignKeys, schemas.interim);
  fromFks(m.target.foreignKeys, schemas.target);
  // the config's references: of a column, or of a path inside its JSON documents
  const configured = [
    ...m.policy.references.map((r) => ({ ...r, steps: null, path: '' })),
    ...m.policy.jsonReferences,
  ];
  for (const r of configured) {
    out.push({
      columns: [r.column],
      refTable: r.table,
      refColumns: [r.refColumn],
      source: 'config',
      path: r.steps,
      pathText: r.path,
    });
  }
  return out;
}

/**
 * A candidate as a followed reference; null when there is nothing to follow (a parent outside
 * the plan, or without a key, or referenced by other columns than its key); the reason when it
 * should be followed but cannot.
 */
function toReference(
  m: TableModel,
  c: Candidate,
  models: ReadonlyMap<string, TableModel>,
): Reference | UnfollowedReference | null {
  const label = `${m.name}.${c.columns.length === 1 ? c.columns[0] : `(${c.columns.join(', ')})`}${c.pathText}`;
  const parent = models.get(c.refTable);
  if (!parent) return null; // a table outside the plan: its ids do not move
  if (parent.key.length === 0) return null;
  const refKeys = c.refColumns.map(columnKey);
  const sameSet =
    refKeys.length === parent.key.length && parent.key.every((k) => refKeys.includes(columnKey(k)));
  if (!sameSet) {
    // Moving a row changes only its key: a reference by other columns (a unique code) still
    // finds it. One that mixes key and other columns cannot be looked up.
    if (!refKeys.some((r) => parent.key.some((k) => columnKey(k) === r))) return null;
    return {
      label,
      child: m.name,
      parent: parent.name,
      reason: `it references ${parent.name}(${c.refColumns.join(', ')}), not its key (${parent.key.join(', ')})`,
    };
  }
  // Child columns in the order of the parent's key columns.
  const columns: string[] = [];
  const colIdx: number[] = [];
  for (const k of parent.key) {
    const col = c.columns[refKeys.indexOf(columnKey(k))];
    const idx = col === undefined ? undefined : columnIndex(m, col);
    if (col === undefined || idx === undefined) {
      return {
        label,
        child: m.name,
        parent: parent.name,
        reason: 'its columns are not on both sides',
      };
    }
    columns.push(col);
    colIdx.push(idx);
  }
  return {
    label,
    child: m.name,
    columns,
    colIdx,
    parent: parent.name,
    keyEmbedded:
      c.path === null && columns.every((col) => m.key.some((k) => columnKey(k) === columnKey(col))),
    source: c.source,
    path: c.path,
  };
}

function distinct(list: readonly UnfollowedReference[]): UnfollowedReference[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const id = `${u.label}\u0000${u.parent}\u0000${u.reason}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Table names in write order: parents before children (Kahn's algorithm, ties by name). A cycle
 * is broken at its first table by name, so the order is the same on every run.
 */
export function writeOrder(models: readonly TableModel[]): string[] {
  const names = models.map((m) => m.name).sort(compareNames);
  const parents = new Map<string, Set<string>>();
  for (const m of models) {
    parents.set(m.name, new Set(m.refs.map((r) => r.parent).filter((p) => p !== m.name)));
  }
  const done = new Set<string>();
  const order: string[] = [];
  const ready = (n: string): boolean =>
    !done.has(n) && [...(parents.get(n) ?? [])].every((p) => done.has(p));
  while (order.length < names.length) {
    const next = names.find(ready) ?? names.find((n) => !done.has(n));
    if (next === undefined) break;
    done.add(next);
    order.push(next);
  }
  return order;
}

/** Every reference pointing at `table`, from any planned table (itself included), by label. */
export function referencesTo(models: Iterable<TableModel>, table: string): Reference[] {
  const out: Reference[] = [];
  for (const m of models) for (const r of m.refs) if (r.parent === table) out.push(r);
  return out.sort((a, b) => compareNames(a.label, b.label));
}
