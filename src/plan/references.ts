import { columnKey, compareNames } from '../introspect/compare.js';
import type { ForeignKeyInfo } from '../introspect/types.js';
import { columnIndex, type Reference, type TableModel } from './table-model.js';

/** A reference that cannot be followed, and why (reported; fatal only if its parent moves). */
export interface UnfollowedReference {
  readonly label: string;
  readonly parent: string;
  readonly reason: string;
}

interface Candidate {
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly source: 'declared' | 'config';
}

/**
 * Finds every reference between planned tables: foreign keys declared on the backup, the interim
 * or the target (a rebuilt interim often lacks some), plus `references` from the config.
 * Sets each model's `refs` and returns the ones that cannot be followed.
 */
export function linkReferences(
  models: ReadonlyMap<string, TableModel>,
  schemas: { readonly backup: string; readonly interim: string; readonly target: string },
): UnfollowedReference[] {
  const unfollowed: UnfollowedReference[] = [];
  for (const m of models.values()) {
    const cands: Candidate[] = [];
    const fromFks = (fks: readonly ForeignKeyInfo[], schema: string): void => {
      for (const fk of fks) {
        if (fk.refSchema !== schema) continue; // another schema: not part of this merge
        cands.push({
          columns: fk.columns,
          refTable: fk.refTable,
          refColumns: fk.refColumns,
          source: 'declared',
        });
      }
    };
    fromFks(m.pair.backup.foreignKeys, schemas.backup);
    fromFks(m.pair.interim.foreignKeys, schemas.interim);
    fromFks(m.target.foreignKeys, schemas.target);
    for (const r of m.policy.references) {
      cands.push({
        columns: [r.column],
        refTable: r.table,
        refColumns: [r.refColumn],
        source: 'config',
      });
    }
    const seen = new Set<string>();
    const refs: Reference[] = [];
    for (const c of cands) {
      const label = `${m.name}.${c.columns.length === 1 ? c.columns[0] : `(${c.columns.join(', ')})`}`;
      const parent = models.get(c.refTable);
      if (!parent) continue; // a table outside the plan: its ids do not move
      if (parent.key.length === 0) continue;
      const refKeys = c.refColumns.map(columnKey);
      const sameSet =
        refKeys.length === parent.key.length &&
        parent.key.every((k) => refKeys.includes(columnKey(k)));
      if (!sameSet) {
        // Moving a row changes only its key: a reference by other columns (a unique code)
        // still finds it. One that mixes key and other columns cannot be looked up.
        if (!refKeys.some((r) => parent.key.some((k) => columnKey(k) === r))) continue;
        unfollowed.push({
          label,
          parent: parent.name,
          reason: `it references ${parent.name}(${c.refColumns.join(', ')}), not its key (${parent.key.join(', ')})`,
        });
        continue;
      }
      // Child columns in the order of the parent's key columns.
      const columns = parent.key.map((k) => c.columns[refKeys.indexOf(columnKey(k))] as string);
      const colIdx = columns.map((n) => columnIndex(m, n));
      if (colIdx.some((i) => i === undefined)) {
        unfollowed.push({
          label,
          parent: parent.name,
          reason: 'its columns are not on both sides',
        });
        continue;
      }
      const id = `${columns.join('\u0000')}\u0001${parent.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      refs.push({
        label,
        child: m.name,
        columns,
        colIdx: colIdx as number[],
        parent: parent.name,
        keyEmbedded: columns.every((col) => m.key.some((k) => columnKey(k) === columnKey(col))),
        source: c.source,
      });
    }
    refs.sort((a, b) => compareNames(a.label, b.label) || compareNames(a.parent, b.parent));
    m.refs = refs;
  }
  const seen = new Set<string>();
  return unfollowed.filter((u) => {
    const id = `${u.label}\u0000${u.parent}\u0000${u.reason}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Tables in write order: parents before children (Kahn's algorithm, ties by name). A cycle is
 * broken at its first table by name, so the order is the same on every run.
 */
export function writeOrder(models: ReadonlyMap<string, TableModel>): string[] {
  const names = [...models.keys()].sort(compareNames);
  const parents = new Map<string, Set<string>>();
  for (const n of names) {
    const m = models.get(n) as TableModel;
    parents.set(n, new Set(m.refs.map((r) => r.parent).filter((p) => p !== n)));
  }
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const ready = names.find(
      (n) => !done.has(n) && [...(parents.get(n) as Set<string>)].every((p) => done.has(p)),
    );
    const next = ready ?? (names.find((n) => !done.has(n)) as string);
    done.add(next);
    order.push(next);
  }
  return order;
}

/** Every reference pointing at `table`, from any planned table (itself included). */
export function referencesTo(models: ReadonlyMap<string, TableModel>, table: string): Reference[] {
  const out: Reference[] = [];
  for (const m of models.values()) for (const r of m.refs) if (r.parent === table) out.push(r);
  return out;
}
