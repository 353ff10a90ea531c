/** Names the report gives to the plan's fields, in display order. */
import type { ActionCounts, ClassCounts } from '../plan/format.js';

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

/** Schema drift as one line: what diff reports, whatever its shape. */
export function driftText(drift: unknown): string {
  if (drift === null || drift === undefined) return 'none';
  if (typeof drift !== 'object') return String(drift);
  const d = drift as Record<string, unknown>;
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
  const id = d.identityChanged as { backup?: string; interim?: string } | null | undefined;
  if (id) parts.push(`row identity: ${id.backup} → ${id.interim}`);
  return parts.length > 0 ? parts.join('; ') : JSON.stringify(drift);
}
