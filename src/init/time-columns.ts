import { snakeName } from '../introspect/naming.js';
import type { ColumnInfo } from '../introspect/types.js';

/**
 * Which columns look like a row's creation or last-change time, by name and type. Pure; the
 * values are weighed later (how many interim rows fall after incident.start, whether the backup
 * has any after it).
 */

const SUFFIX = '(?:_(?:at|on|date|time|datetime|ts|timestamp|dt|utc))?';
const CREATED = new RegExp(
  `^(?:(?:created|create|creation|inserted|insert|added|add|registered|register)${SUFFIX}|(?:date|time|ts)_(?:created|added|inserted)|gmt_create|ctime)$`,
);
const UPDATED = new RegExp(
  `^(?:(?:updated|update|modified|modify|changed|last_update|last_updated|last_modified|last_changed)${SUFFIX}|(?:date|time|ts)_(?:updated|modified|changed)|gmt_modified|mtime)$`,
);

export interface TimeCandidate {
  readonly role: 'createdAt' | 'updatedAt';
  readonly column: ColumnInfo;
  /** why the column was picked, for the evidence */
  readonly by: string;
}

/** A column plan can compare with incident.start or order by: a date, a time stamp, a number. */
function timeLike(c: ColumnInfo): boolean {
  if (c.generated !== null) return false;
  if (c.family === 'temporal') return c.dataType !== 'time' && c.dataType !== 'year';
  return c.family === 'integer';
}

/**
 * Creation-time candidates (by name; never an ON UPDATE column, which holds the last change)
 * and last-change candidates (ON UPDATE CURRENT_TIMESTAMP first, then by name), each list in
 * order of preference.
 */
export function timeCandidates(columns: readonly ColumnInfo[]): {
  createdAt: TimeCandidate[];
  updatedAt: TimeCandidate[];
} {
  const createdAt: TimeCandidate[] = [];
  const onUpdate: TimeCandidate[] = [];
  const updatedByName: TimeCandidate[] = [];
  for (const c of columns) {
    if (!timeLike(c)) continue;
    const name = snakeName(c.name);
    if (c.onUpdate) {
      onUpdate.push({ role: 'updatedAt', column: c, by: 'the server sets it on every update' });
    } else if (UPDATED.test(name)) {
      updatedByName.push({ role: 'updatedAt', column: c, by: 'named like a last-change time' });
    }
    if (!c.onUpdate && CREATED.test(name)) {
      createdAt.push({ role: 'createdAt', column: c, by: 'named like a creation time' });
    }
  }
  return { createdAt, updatedAt: [...onUpdate, ...updatedByName] };
}

/** Unix times in seconds (what plan compares integer columns with) lie in this range. */
export function looksLikeEpochSeconds(max: string | null): boolean {
  if (max === null || !/^\d+$/.test(max)) return false;
  // 2001-09-09 .. 2286-11-20: larger values are milliseconds or microseconds.
  return max.length === 10;
}

/** The text of a column's type for the evidence: `datetime`, `timestamp ON UPDATE ...`. */
export function typeText(c: ColumnInfo): string {
  return `${c.columnType}${c.nullable ? '' : ' NOT NULL'}${c.onUpdate ? ' ON UPDATE CURRENT_TIMESTAMP' : ''}`;
}
