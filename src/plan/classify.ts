import type { Cell } from '../cell/cells.js';
import { type Cells, cellEquals } from '../cell/cells.js';
import { compareDecimalText } from '../chunk/boundaries.js';
import { type IncidentStart, padTemporal } from '../config/incident-time.js';
import type { ColumnInfo } from '../introspect/types.js';
import { columnIndex, sideColumn, type TableModel } from './table-model.js';

/** Why two rows with the same key are different entities. */
export const COLLISION_BY_NATURAL_KEY = 1;
export const COLLISION_BY_CREATED_AT = 2;
/** the key embeds a parent's id that collided (decided while planning, not in the diff) */
export const COLLISION_BY_PARENT = 3;

export function collisionReason(tag: number, model: TableModel): string {
  switch (tag) {
    case COLLISION_BY_NATURAL_KEY:
      return `collision by naturalKey (${(model.policy.naturalKey ?? []).join(', ')})`;
    case COLLISION_BY_CREATED_AT:
      return `collision by createdAt (${model.policy.createdAt} at or after incident.start)`;
    default:
      return 'collision by parent (its key embeds a parent id that collided)';
  }
}

/**
 * Decides whether a key both sides hold with different content is one entity edited during
 * the incident (0) or two entities that got the same id (a collision tag). A natural key, when
 * configured, decides; otherwise the interim row's creation time, when configured: a row created
 * at or after the incident began cannot be the backup's row.
 */
export function collisionTag(
  model: TableModel,
  incident: IncidentStart | null,
  backup: Cells,
  interim: Cells,
): number {
  const nk = model.policy.naturalKey;
  if (nk) {
    for (const col of nk) {
      const i = columnIndex(model, col) as number;
      if (!cellEquals(backup[i] ?? null, interim[i] ?? null)) return COLLISION_BY_NATURAL_KEY;
    }
    return 0;
  }
  const ca = model.policy.createdAt;
  if (ca !== null && incident !== null) {
    const idx = columnIndex(model, ca) as number;
    const info = sideColumn(model.pair.interim, ca) as ColumnInfo;
    if (createdSince(info, interim[idx] ?? null, incident)) return COLLISION_BY_CREATED_AT;
  }
  return 0;
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
