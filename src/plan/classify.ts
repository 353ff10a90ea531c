import type { Cell } from '../cell/cells.js';
import { type Cells, cellEquals } from '../cell/cells.js';
import { compareDecimalText } from '../chunk/boundaries.js';
import { type IncidentStart, padTemporal } from '../config/incident-time.js';
import type { ColumnInfo } from '../introspect/types.js';
import { must } from '../must.js';
import type { DiffCollision } from './collision.js';
import { columnIndex, sideColumn, type TableModel } from './table-model.js';

/**
 * How two rows' natural keys compare byte for byte: equal; different; or different only in
 * text columns with a collation, where the server decides (case, accents, trailing spaces:
 * 'Qandahar' and 'QANDAHAR' are one name under utf8mb4_general_ci).
 */
export type NaturalKeyBytes = 'equal' | 'differs' | 'collation';

export function naturalKeyBytes(model: TableModel, backup: Cells, interim: Cells): NaturalKeyBytes {
  let out: NaturalKeyBytes = 'equal';
  for (const col of model.policy.naturalKey ?? []) {
    const i = must(columnIndex(model, col), `naturalKey column ${col} of ${model.name}`);
    if (cellEquals(backup[i] ?? null, interim[i] ?? null)) continue;
    const info = sideColumn(model.target, col);
    const collated =
      info?.family === 'text' && info.collation !== null && info.charset !== 'binary';
    if (!collated) return 'differs';
    out = 'collation';
  }
  return out;
}

/**
 * Decides whether a key both sides hold with different content is one entity edited during
 * the incident (null) or two entities that got the same id (why they are two). A natural key,
 * when configured, decides (`sameNaturalKey`: whether the server, under the columns'
 * collations, calls them equal); otherwise the interim row's creation time, when configured: a
 * row created at or after the incident began (the table's `createdAfter`) cannot be the
 * backup's row.
 */
export function collisionOf(
  model: TableModel,
  interim: Cells,
  sameNaturalKey: boolean,
): DiffCollision | null {
  if (model.policy.naturalKey) return sameNaturalKey ? null : 'naturalKey';
  const ca = model.policy.createdAt;
  const incident = model.policy.createdAfter;
  if (ca !== null && incident !== null) {
    const idx = must(columnIndex(model, ca), `createdAt column ${ca} of ${model.name}`);
    const info = must(
      sideColumn(model.pair.interim, ca),
      `createdAt column ${ca} of ${model.name}`,
    );
    if (createdSince(info, interim[idx] ?? null, incident)) return 'createdAt';
  }
  return null;
}

/**
 * Whether a row's `createdAt` is a DATE on the day the table's line falls on, when the line is
 * not at midnight (19:00 on the incident day): such a date is on both sides of it.
 */
export function createdOnTheDay(model: TableModel, interim: Cells): boolean {
  const ca = model.policy.createdAt;
  const line = model.policy.createdAfter;
  if (ca === null || line === null || model.policy.naturalKey) return false;
  const info = sideColumn(model.pair.interim, ca);
  if (info?.dataType !== 'date') return false;
  const [day, time] = line.local.split(' ');
  const v = interim[columnIndex(model, ca) ?? -1];
  return time !== '00:00:00.000000' && typeof v === 'string' && v === day;
}

/** Whether a creation time is at or after the incident's start (NULL: no). */
export function createdSince(info: ColumnInfo, v: Cell, incident: IncidentStart): boolean {
  if (typeof v !== 'string') return false;
  if (info.family === 'integer' || info.family === 'decimal') {
    return compareDecimalText(v, incident.epochSeconds) >= 0;
  }
  // TIMESTAMP is read in UTC; DATETIME and DATE hold the business's wall-clock time.
  const start = info.dataType === 'timestamp' ? incident.utc : incident.local;
  return padTemporal(v) >= start;
}

/**
 * Orders two values of an `updatedAt` column: < 0 when a is older. Null when either is NULL or
 * the column is of a type that has no order here.
 */
export function compareUpdatedAt(info: ColumnInfo, a: Cell, b: Cell): number | null {
  if (typeof a !== 'string' || typeof b !== 'string') return null;
  switch (info.family) {
    case 'integer':
    case 'decimal':
      return compareDecimalText(a, b);
    case 'temporal': {
      const x = padTemporal(a);
      const y = padTemporal(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return null;
  }
}
