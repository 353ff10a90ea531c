import { rawFromCell } from '../cell/cell-codec.js';
import type { Cell } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { RawRow, Session } from '../db/types.js';
import { keySetCondition, readColumns, type TableShape } from '../sql/statements.js';

/** Keys looked up per statement. */
export const LOOKUP_KEYS = 1000;

/**
 * The target's rows at `keys` (stored columns, then key columns that are not stored: see
 * readColumns), one entry per key, undefined where the table holds none. One statement per
 * LOOKUP_KEYS keys. Keys are matched to rows by their bytes; a key the server matched by its
 * collation to other bytes (`'B1'` for `'b1'`) is looked up again on its own, so "no row" is
 * only said when the server holds none.
 */
export async function rowsAtKeys(
  s: Session,
  sh: TableShape,
  keys: readonly (readonly Cell[])[],
): Promise<(RawRow | undefined)[]> {
  const out: (RawRow | undefined)[] = [];
  for (let o = 0; o < keys.length; o += LOOKUP_KEYS) {
    out.push(...(await lookup(s, sh, keys.slice(o, o + LOOKUP_KEYS))));
  }
  return out;
}

async function lookup(
  s: Session,
  sh: TableShape,
  keys: readonly (readonly Cell[])[],
): Promise<(RawRow | undefined)[]> {
  if (keys.length === 0) return [];
  const cols = readColumns(sh);
  const keyPos = sh.key.map((k) => cols.indexOf(k));
  const list = cols.map((c) => quoteId(c.name)).join(', ');
  const table = quoteTable(sh.schema ?? '', sh.name);
  const select = async (set: readonly (readonly Cell[])[]): Promise<RawRow[]> => {
    const where = keySetCondition(sh, { keys: set.map((k) => [...k]), ranges: [] });
    return s.rawRows(`SELECT ${list} FROM ${table} WHERE ${where.sql}`, where.params);
  };
  const rows = await select(keys);
  const byBytes = new Map<string, RawRow>();
  for (const r of rows) byBytes.set(bytesKey(keyPos.map((p) => r[p] ?? null)), r);
  const out = keys.map((k) => byBytes.get(bytesKey(k.map(rawFromCell))));
  const matched = out.filter((r) => r !== undefined).length;
  if (matched === rows.length) return out;
  for (const [n, k] of keys.entries()) {
    if (out[n] === undefined) out[n] = (await select([k]))[0];
  }
  return out;
}

function bytesKey(values: readonly (Buffer | null)[]): string {
  return values.map((v) => (v === null ? '-' : v.toString('hex'))).join(',');
}
