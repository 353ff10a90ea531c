import { splitEncoded } from '../hash/row-encoding.js';
import type { ComparedColumn } from '../introspect/compare.js';
import { cellFromEncoded, rawFromCell } from './cell-codec.js';

/**
 * A column value: text as a string (integers, decimals and dates as the server prints them,
 * never through a JS number), bytes as `{hex}`, NULL as null. The form of `diff --json` and of
 * the plan's action files.
 */
export type Cell = string | { readonly hex: string } | null;
/** Column name → value. */
export type Row = Readonly<Record<string, Cell>>;

/** A row as the planner holds it: one cell per compared column, in the table's column order. */
export type Cells = readonly Cell[];

/** Decodes a diff row's canonical encoding (`HashedRow.enc`) into cells. */
export function decodeCells(columns: readonly ComparedColumn[], enc: Buffer): Cell[] {
  const parts = splitEncoded(enc, columns.length);
  return columns.map((col, i) => cellFromEncoded(col.family, parts[i]));
}

export function cellEquals(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.hex === b.hex;
}

/** A string that is equal for equal cell tuples: the key of remap maps and key sets. */
export function tupleKey(cells: readonly Cell[]): string {
  return JSON.stringify(cells);
}

/** The cells at `idx`. */
export function pick(cells: Cells, idx: readonly number[]): Cell[] {
  return idx.map((i) => cells[i] ?? null);
}

/** An object of the named columns, in the given order (JSON key order is insertion order). */
export function rowOf(cells: Cells, names: readonly string[], idx: readonly number[]): Row {
  const out: Record<string, Cell> = {};
  names.forEach((name, n) => {
    out[name] = cells[idx[n] ?? -1] ?? null;
  });
  return out;
}

/** Raw values (what the server returns) of the cells at `idx`, for row hashing. */
export function rawOf(cells: Cells, idx: readonly number[]): (Buffer | null)[] {
  return idx.map((i) => rawFromCell(cells[i] ?? null));
}

/** Text of a non-null text cell (integers, dates), or null. */
export function textOf(c: Cell): string | null {
  return typeof c === 'string' ? c : null;
}
