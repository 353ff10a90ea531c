/** Names the report gives to the plan's fields, in display order. */
import type { ActionCounts, ClassCounts, PlanManifest, PlanTable } from '../plan/format.js';

/** Row classes in display order, with their labels (field names are the plan's). */
export const CLASS_LABELS: readonly (readonly [keyof ClassCounts, string])[] = [
  ['identical', 'identical'],
  ['changed', 'changed'],
  ['onlyBackup', 'only in backup'],
  ['onlyInterim', 'only in interim'],
  ['collision', 'collision'],
];

export const ACTION_LABELS: readonly (readonly [keyof ActionCounts, string])[] = [
  ['insert', 'insert'],
  ['update', 'update'],
  ['delete', 'delete'],
  ['unresolved', 'unresolved'],
  ['keep', 'keep'],
];

/** The fields of a value read from a plan whose shape is not checked (none: not an object). */
function fieldsOf(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v)) : {};
}

/** Schema drift as one line: what diff reports, whatever its shape. */
export function driftText(drift: unknown): string {
  if (drift === null || drift === undefined) return 'none';
  if (typeof drift !== 'object') return String(drift);
  const d = fieldsOf(drift);
  const parts: string[] = [];
  const list = (k: string, label: string): void => {
    const v = d[k];
    if (Array.isArray(v) && v.length > 0) parts.push(`${label}: ${v.join(', ')}`);
  };
  list('columnsOnlyInBackup', 'columns only in backup');
  list('columnsOnlyInInterim', 'columns only in interim');
  if (Array.isArray(d.typeChanged) && d.typeChanged.length > 0) {
    const types = d.typeChanged.map(
      (c: { column?: string; backup?: string; interim?: string }) =>
        `${c.column} ${c.backup} → ${c.interim}`,
    );
    parts.push(`type changed: ${types.join(', ')}`);
  }
  const id = d.identityChanged;
  if (id) {
    const { backup, interim } = fieldsOf(id);
    parts.push(`row identity: ${backup} → ${interim}`);
  }
  return parts.length > 0 ? parts.join('; ') : JSON.stringify(drift);
}

/**
 * A table's notes: decisions that leave no action of their own (e.g. a unique-key conflict
 * resolved by keeping one row). Read defensively: plans of format 1 made before the field
 * existed lack it.
 */
export function tableNotes(t: PlanTable): readonly string[] {
  const notes: unknown = t.notes;
  return Array.isArray(notes) ? notes.filter((x): x is string => typeof x === 'string') : [];
}

/** A table's warnings (read defensively, like notes: a plan of format 1 has none). */
export function tableWarnings(t: PlanTable): readonly string[] {
  const w: unknown = t.warnings;
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/** Tables the plan leaves alone, with why (also read defensively, like notes). */
export function skippedTables(m: PlanManifest): readonly { table: string; reason: string }[] {
  const s: unknown = m.skipped;
  if (!Array.isArray(s)) return [];
  return s.filter(
    (x): x is { table: string; reason: string } =>
      typeof x?.table === 'string' && typeof x?.reason === 'string',
  );
}
