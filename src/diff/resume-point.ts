import type { RawValue } from '../db/types.js';

/**
 * Where a table's comparison goes on from: the engine hands chunk results over in key order
 * (partition order for a table without a key), so "done up to here" is one key, or one
 * partition number.
 */
export type ResumePoint =
  /** every key up to and including `after` is done */
  | { readonly kind: 'range'; readonly after: readonly RawValue[] }
  /** partitions [0, next) of `parts` are done (the count is kept: it decides the partitions) */
  | { readonly kind: 'partition'; readonly parts: number; readonly next: number };

/** A ResumePoint as a checkpoint file holds it: key values as hex, null for NULL. */
export type SavedPoint =
  | { readonly kind: 'range'; readonly after: readonly (string | null)[] }
  | { readonly kind: 'partition'; readonly parts: number; readonly next: number };

export function savePoint(p: ResumePoint): SavedPoint {
  if (p.kind === 'partition') return { kind: 'partition', parts: p.parts, next: p.next };
  return { kind: 'range', after: p.after.map((v) => (v === null ? null : v.toString('hex'))) };
}

/** The point a checkpoint file holds, or null when it is not one. */
export function loadPoint(x: unknown): ResumePoint | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  if (o.kind === 'partition') {
    const { parts, next } = o;
    if (!isCount(parts) || !isCount(next) || parts < 1 || next < 1 || next >= parts) return null;
    return { kind: 'partition', parts, next };
  }
  if (o.kind !== 'range' || !Array.isArray(o.after) || o.after.length === 0) return null;
  const after: RawValue[] = [];
  for (const v of o.after) {
    if (v === null) after.push(null);
    else if (typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v))
      after.push(Buffer.from(v, 'hex'));
    else return null;
  }
  return { kind: 'range', after };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** For people: `after (id) = (1200)`, `from partition 3 of 8`. */
export function describePoint(keyNames: readonly string[], p: ResumePoint): string {
  if (p.kind === 'partition') return `from partition ${p.next + 1} of ${p.parts}`;
  return `after (${keyNames.join(', ')}) = (${p.after.map(valueText).join(', ')})`;
}

/** A key value as the server's text when it is printable, else as hex. */
function valueText(v: RawValue): string {
  if (v === null) return 'NULL';
  const text = v.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  const printable = Buffer.from(text).equals(v) && !/[\u0000-\u001f\u007f]/.test(text);
  if (!printable) return `0x${v.toString('hex')}`;
  return /^-?\d+(?:\.\d+)?$/.test(text) ? text : JSON.stringify(text);
}
