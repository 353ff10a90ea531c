import { percent } from './decide.js';
import type {
  CollisionCount,
  Inclusion,
  JsonPathCounts,
  Measured,
  RowSample,
  TimeCounts,
  UniqueKeyNote,
} from './proposal-types.js';

/**
 * Evidence in words, one line each, for the comments next to the proposals. Every figure says
 * what it was measured on: how many rows, which ones, how many distinct values.
 */

const n = (x: number): string => x.toLocaleString('en-US');
/** `1 row`, `2,000 rows` */
const count = (x: number, noun: string): string => `${n(x)} ${noun}${x === 1 ? '' : 's'}`;

/** `all 599 rows`, `the newest 100,000 rows` */
export function sampleText(s: RowSample): string {
  if (s.wholeTable) return `all ${n(s.rows)} rows`;
  return `the ${s.which} ${n(s.rows)} rows`;
}

export function inclusionText(
  m: Measured<Inclusion> | null,
  parent: string,
  cols: readonly string[],
): string {
  if (m === null) return '';
  if (m.kind === 'not-measured') return m.reason;
  const v = m.value;
  if (v.tested === 0) return `no non-null value in ${sampleText(v.sample)} of either side`;
  const capped = v.valuesCapped ? ` (the first ${n(v.tested)} distinct values)` : '';
  return `${percent(v.found, v.tested)} of ${n(v.tested)} distinct values found in ${parent}(${cols.join(', ')})${capped}, from ${sampleText(v.sample)}${v.side === 'interim' ? ' of the interim' : ''}`;
}

export function jsonCountsText(m: Measured<JsonPathCounts>, path: string): string {
  if (m.kind === 'not-measured') return m.reason;
  const v = m.value;
  const others = v.others > 0 ? `, ${n(v.others)} something else` : '';
  return `${n(v.integers)} of ${count(v.documents, 'document')} hold an integer at ${path}${others} (from ${sampleText(v.sample)})`;
}

export function timeCountsText(m: Measured<TimeCounts> | null, role: string): string {
  if (m === null) return '';
  if (m.kind === 'not-measured') return m.reason;
  const v = m.value;
  const what = role === 'createdAt' ? 'at or after incident.start' : 'changed at or after it';
  const nulls = v.interim.nulls > 0 ? ` (${n(v.interim.nulls)} NULL)` : '';
  return `interim: ${n(v.interim.since)} of ${sampleText(v.interim.sample)} ${what}${nulls}; backup: ${n(v.backup.since)} of ${sampleText(v.backup.sample)}`;
}

export function collisionText(m: Measured<CollisionCount> | null): string | null {
  if (m === null) return null;
  if (m.kind === 'not-measured') return `collisions: ${m.reason}`;
  const v = m.value;
  if (v.tested === 0) {
    return `collisions: none (no interim row has ${v.createdAt} at or after incident.start)`;
  }
  const rows = count(v.tested, 'interim row');
  const among = v.capped ? `the first ${rows}` : rows;
  const moved = v.collisions > 0 ? ' (remap: interim gives them fresh ids)' : '';
  return `collisions: ${count(v.collisions, 'id')} the backup holds too, among ${among} with ${v.createdAt} at or after incident.start${moved}`;
}

export function uniqueKeyText(u: UniqueKeyNote, since: string | null): string {
  const head = `unique key ${u.name} (${u.columns.join(', ')})`;
  if (u.conflicts === null) return `${head}: not measured`;
  if (u.conflicts.kind === 'not-measured') return `${head}: ${u.conflicts.reason}`;
  const v = u.conflicts.value;
  const rows = since
    ? `${count(v.tested, 'interim row')} with ${since} at or after incident.start`
    : `the newest ${count(v.tested, 'interim row')}`;
  const verdict =
    v.conflicts > 0 ? ': onUniqueConflict decides them (default manual: listed as unresolved)' : '';
  return `${head}: ${n(v.conflicts)} of ${rows} hold a value the backup holds on a row with another key${verdict}`;
}

/** A comment never spans lines. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
