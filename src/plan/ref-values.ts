import { type Cell, type Cells, pick } from '../cell/cells.js';
import { jsonIntegerAt, locateJson, replaceJsonAt } from '../cell/json-locate.js';
import type { Reference } from './table-model.js';

/**
 * The values a reference holds in a row, in the order of its parent's key: its columns' cells,
 * or the integer at its path inside the row's JSON document. Null when it holds none (a NULL
 * column, a document without an integer there): it points nowhere, nothing to follow.
 */
export function refValues(r: Reference, cells: Cells): Cell[] | null {
  if (r.path === null) {
    const tuple = pick(cells, r.colIdx);
    return tuple.some((c) => c === null) ? null : tuple;
  }
  const doc = cells[r.colIdx[0] ?? -1];
  if (typeof doc !== 'string') return null;
  const v = jsonIntegerAt(doc, r.path);
  return v === null ? null : [v];
}

/**
 * Sets the reference's values in `cells` to `to`: its columns, or the id inside the document,
 * every other byte of the document kept. False when there is nothing to set (see refValues).
 */
export function setRefValues(r: Reference, cells: Cell[], to: readonly Cell[]): boolean {
  if (r.path === null) {
    r.colIdx.forEach((ci, n) => {
      cells[ci] = to[n] ?? null;
    });
    return true;
  }
  const ci = r.colIdx[0] ?? -1;
  const doc = cells[ci];
  const id = to[0];
  if (typeof doc !== 'string' || typeof id !== 'string') return false;
  const at = locateJson(doc, r.path);
  if (!at) return false;
  cells[ci] = replaceJsonAt(doc, at, id);
  return true;
}
