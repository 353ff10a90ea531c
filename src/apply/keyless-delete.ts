import { cellFromRaw } from '../cell/cell-codec.js';
import type { Cell } from '../cell/cells.js';
import type { RawRow, Session } from '../db/types.js';
import { canonicalJson } from '../hash/json-canonical.js';
import { deleteByRowHashes, rowHash, selectByRowHashes } from '../sql/keyless.js';
import { deleteExact, insertValues, type TableShape } from '../sql/statements.js';

/** Rows re-inserted per statement when a scan took more than it should (see below). */
const REINSERT_ROWS = 500;

interface Group {
  readonly cells: readonly Cell[];
  readonly hash: string;
  /** positions in the caller's list of the rows equal to `cells` */
  readonly at: number[];
  matched: number;
}

/**
 * Deletes one row equal to each of `rows` from a table without a key (equal rows listed twice
 * delete two copies), inside the caller's transaction, in about one scan of the table however
 * many rows are listed (sql/keyless.ts):
 * 1. equal rows are grouped, and each group's hash computed here;
 * 2. every row with one of those hashes is deleted in one statement; MariaDB returns them
 *    (`RETURNING`), MySQL reads and locks them first;
 * 3. the deleted rows are matched to the groups by their values; a row beyond a group's count
 *    (a copy the table held before) or of no group (same hash, other JSON) is put back as it
 *    was, byte for byte;
 * 4. a group with fewer copies than listed is looked for once more by its values (a value the
 *    hash does not cover the same way, such as text that is not UTF-8).
 * Returns the positions of the rows still not found: the caller refuses (the table changed)
 * and rolls the transaction back. Put-back rows fire INSERT triggers; apply refuses triggers
 * unless accepted.
 */
export async function deleteRowsExact(
  s: Session,
  sh: TableShape,
  rows: readonly (readonly Cell[])[],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const groups = new Map<string, Group>();
  rows.forEach((cells, i) => {
    const id = rowIdentity(sh, cells);
    const g = groups.get(id) ?? { cells, hash: rowHash(sh, cells), at: [], matched: 0 };
    g.at.push(i);
    groups.set(id, g);
  });
  const hashes = [...new Set([...groups.values()].map((g) => g.hash))];
  const deleted = await deleteByHashes(s, sh, hashes);

  const putBack: Cell[][] = [];
  for (const raw of deleted) {
    const cells = sh.columns.map((c, j) => cellFromRaw(c.family, raw[j] ?? null));
    const g = groups.get(rowIdentity(sh, cells));
    if (g && g.matched < g.at.length) g.matched++;
    else putBack.push(cells);
  }
  for (let i = 0; i < putBack.length; i += REINSERT_ROWS) {
    const st = insertValues(sh, putBack.slice(i, i + REINSERT_ROWS));
    await s.execute(st.sql, st.params);
  }

  const missing: number[] = [];
  for (const g of groups.values()) {
    for (let k = g.matched; k < g.at.length; k++) {
      const st = deleteExact(sh, g.cells);
      if ((await s.execute(st.sql, st.params)).affectedRows !== 1) missing.push(g.at[k] ?? -1);
    }
  }
  return missing.sort((a, b) => a - b);
}

async function deleteByHashes(
  s: Session,
  sh: TableShape,
  hashes: readonly string[],
): Promise<RawRow[]> {
  if (s.server.flavor === 'mariadb') {
    const st = deleteByRowHashes(sh, hashes, true);
    return s.rawRows(st.sql, st.params);
  }
  const read = selectByRowHashes(sh, hashes);
  const rows = await s.rawRows(read.sql, read.params);
  const del = deleteByRowHashes(sh, hashes, false);
  const n = (await s.execute(del.sql, del.params)).affectedRows;
  if (n !== rows.length) {
    throw new Error(`${sh.name}: deleted ${n} rows where ${rows.length} were read and locked`);
  }
  return rows;
}

/**
 * A row's identity for equality as exactCondition means it: the bytes of every value, NULL
 * apart, JSON as canonical JSON (MariaDB keeps it as typed, the plan canonical).
 */
function rowIdentity(sh: TableShape, cells: readonly Cell[]): string {
  return JSON.stringify(
    sh.columns.map((c, i) => {
      const v = cells[i] ?? null;
      if (v === null) return null;
      if (typeof v !== 'string') return `x${v.hex}`;
      if (c.family !== 'json') return `t${v}`;
      try {
        return `j${canonicalJson(v)}`;
      } catch {
        return `t${v}`;
      }
    }),
  );
}
