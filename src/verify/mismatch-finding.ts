import type { Row } from '../cell/cells.js';

/** Keys named per table; the count of all found is given besides. */
export const MISMATCH_KEYS_SHOWN = 20;

export type MismatchProblem =
  /** the plan writes a row at this key; the target has none */
  | 'missing'
  /** the row at this key is not the row the plan wrote */
  | 'differs'
  /** the plan deletes the row at this key, or moves it away from it; a row is still there */
  | 'still-present'
  /** rows restored from the backup, not narrowed down to one: their count or sum differ */
  | 'copy-differs';

export interface MismatchKey {
  /** the key, as the plan's actions write keys; for rows not narrowed to one, the first of them or null */
  readonly key: Row | null;
  /** for rows not narrowed to one, in a table keyed by one integer: the inclusive span they lie in */
  readonly range: readonly [string, string] | null;
  /** rows this entry stands for (1 for a key) */
  readonly rows: number;
  readonly problem: MismatchProblem;
  /** one line */
  readonly detail: string;
}

/** The mismatches found in one table, the first MISMATCH_KEYS_SHOWN kept. */
export class Finding {
  readonly listed: MismatchKey[] = [];
  count = 0;

  add(k: MismatchKey): void {
    this.count++;
    if (this.listed.length < MISMATCH_KEYS_SHOWN) this.listed.push(k);
  }

  full(): boolean {
    return this.listed.length >= MISMATCH_KEYS_SHOWN;
  }
}

/** `id=5`, `(a=1, b='x')`, `id 100..200`: a key as a DBA types it in a WHERE. */
export function mismatchKeyText(k: MismatchKey, keyColumns: readonly string[]): string {
  if (k.range !== null) return `${keyColumns[0] ?? 'key'} ${k.range[0]}..${k.range[1]}`;
  if (k.key === null) return '(rows)';
  const parts = Object.entries(k.key).map(([c, v]) => `${c}=${valueText(v)}`);
  const one = parts.length === 1 ? parts[0] : undefined;
  const text = one ?? `(${parts.join(', ')})`;
  return k.rows > 1 ? `${text} and ${(k.rows - 1).toLocaleString('en-US')} more keys` : text;
}

/** One line: `id=5: differs (the row at this key is not …)`. */
export function mismatchKeyLine(k: MismatchKey, keyColumns: readonly string[]): string {
  return `${mismatchKeyText(k, keyColumns)}: ${k.problem} (${k.detail})`;
}

function valueText(v: Row[string]): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v !== 'string') return `0x${v.hex}`;
  return /^-?\d+(\.\d+)?$/.test(v) ? v : `'${v.replaceAll("'", "''")}'`;
}
