/**
 * The diff of a few keys (`plan --refresh`): the rows both sides hold at the given keys of each
 * table, read in the sources' snapshots, hashed and joined as the diff engine does, handed to
 * the same sink in key order. Only these rows are planned again.
 */
import type { Cell, Row } from '../cell/cells.js';
import { joinKeyedChunk } from '../diff/chunk-join.js';
import type { DiffSources } from '../diff/engine.js';
import type { TableReader } from '../diff/table-reader.js';
import type { ChunkPart } from '../diff/table-tally.js';
import type { TablePair } from '../introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
import { keySetCondition, type TableShape } from '../sql/statements.js';

/** Keys looked up per statement. */
const KEYS_PER_READ = 500;

export async function compareKeys(
  src: DiffSources,
  pairs: readonly TablePair[],
  keys: ReadonlyMap<string, readonly Row[]>,
  sink: (pair: TablePair, part: ChunkPart) => Promise<void>,
): Promise<void> {
  for (const pair of pairs) {
    const names = pair.identity.kind === 'none' ? [] : pair.identity.columns;
    const wanted = keys.get(pair.name) ?? [];
    if (names.length === 0 || wanted.length === 0) continue;
    const readers = src.readers(pair);
    const cells = sortKeys(
      dedupe(wanted.map((k) => names.map((n) => cellNamed(k, n)))),
      pair.backup.columns.find((c) => c.name.toLowerCase() === names[0]?.toLowerCase()),
      names.length,
    );
    // Integer keys in order can be read in slices; others in one read, to keep the key order.
    const step = cells.length > 0 && integerKey(pair, names) ? KEYS_PER_READ : cells.length;
    for (let i = 0; i < cells.length; i += Math.max(1, step)) {
      const part = cells.slice(i, i + Math.max(1, step));
      const [b, n] = await Promise.all([
        readAt(readers.backup, pair.backup, names, part, src.servers.backup.flavor),
        readAt(readers.interim, pair.interim, names, part, src.servers.interim.flavor),
      ]);
      await sink(pair, { kind: 'keyed', diff: joinKeyedChunk(b, n) });
    }
  }
}

function readAt(
  reader: TableReader,
  info: TableInfo,
  names: readonly string[],
  keys: Cell[][],
  flavor: TableShape['flavor'],
) {
  const shape: TableShape = {
    schema: null,
    name: info.name,
    columns: info.columns,
    key: names.map((n) => column(info, n)),
    flavor,
  };
  return reader.readWhere(keySetCondition(shape, { keys, ranges: [] }));
}

function column(info: TableInfo, name: string): ColumnInfo {
  const c = info.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) throw new Error(`key column ${name} missing from ${info.name}`);
  return c;
}

function cellNamed(row: Row, name: string): Cell {
  const hit = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return hit === undefined ? null : (row[hit] ?? null);
}

function dedupe(keys: Cell[][]): Cell[][] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const s = JSON.stringify(k);
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

function integerKey(pair: TablePair, names: readonly string[]): boolean {
  return names.length === 1 && column(pair.backup, names[0] ?? '').family === 'integer';
}

function sortKeys(keys: Cell[][], first: ColumnInfo | undefined, width: number): Cell[][] {
  if (width !== 1 || first?.family !== 'integer') return keys;
  return [...keys].sort((a, b) => {
    const x = BigInt(String(a[0]));
    const y = BigInt(String(b[0]));
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
