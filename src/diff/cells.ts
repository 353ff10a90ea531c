import { cellFromEncoded } from '../cell/cell-codec.js';
import { splitEncoded } from '../hash/row-encoding.js';
import type { ComparedColumn } from '../introspect/compare.js';
import type { JsonCell, KeyObject } from './result.js';

/** The named columns of an encoded row, as a JSON object in the given order. */
export function pickCells(
  columns: readonly ComparedColumn[],
  enc: Buffer,
  names: readonly string[],
): KeyObject {
  const parts = splitEncoded(enc, columns.length);
  const out: Record<string, JsonCell> = {};
  for (const n of names) {
    const i = columns.findIndex((c) => c.name === n);
    const col = columns[i];
    const part = parts[i];
    if (col && part) out[n] = cellFromEncoded(col.family, part);
  }
  return out;
}

/** Names of the columns whose encoded values differ between two encoded rows. */
export function differingColumns(
  columns: readonly ComparedColumn[],
  a: Buffer,
  b: Buffer,
): string[] {
  const pa = splitEncoded(a, columns.length);
  const pb = splitEncoded(b, columns.length);
  const out: string[] = [];
  for (const [i, column] of columns.entries()) {
    const x = pa[i];
    const y = pb[i];
    if (!x || !y || !x.equals(y)) out.push(column.name);
  }
  return out;
}
