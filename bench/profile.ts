import { listHashSql, rowHashSql, rowStringSql } from '../src/checksum/row-expr.js';
import { connect } from '../src/db/mysql.js';
import { quoteId, quoteTable } from '../src/db/quote.js';
import type { Connection } from '../src/db/types.js';
import { type DbTarget, withSchema } from '../src/db/url.js';
import { pairTables } from '../src/introspect/compare.js';
import { introspectSchema } from '../src/introspect/introspect.js';

/**
 * Where the server's seconds go: each step of the pre-pass's per-row work as one whole-table
 * query per side, both sides in parallel (as the diff runs them), so the steps add up:
 * - scan: read every row (no expression);
 * - rowString: + build the row string and a CRC32 of it (the text conversion of every column);
 * - rowHash64: + the 64-bit hash summed (what a chunk checksum costs);
 * - listing: + pack key and hash per row into GROUP_CONCAT values, 50k rows each (what listing
 *   a whole table costs).
 */
export async function serverProfile(
  server: DbTarget,
  schemas: { backup: string; interim: string },
  table: string,
): Promise<Record<string, number>> {
  const conns = await Promise.all(
    [schemas.backup, schemas.interim].map((s) => connect(withSchema(server, s))),
  );
  try {
    const [b, i] = conns as [Connection, Connection];
    const [bs, is] = await Promise.all([
      introspectSchema(b, schemas.backup, [table]),
      introspectSchema(i, schemas.interim, [table]),
    ]);
    const bt = bs.tables.get(table);
    const it = is.tables.get(table);
    if (!bt || !it) throw new Error(`table ${table} missing`);
    const pair = pairTables(bt, it);
    const row = rowStringSql(pair);
    const keys = pair.identity.kind === 'none' ? [] : pair.identity.columns;
    const hash = rowHashSql(row, 'crc64-var');
    const last = quoteId(pair.columns.at(-1)?.name ?? 'id');
    const key = quoteId(pair.identity.kind === 'none' ? 'id' : (pair.identity.columns[0] ?? 'id'));
    const each = async (sql: (t: string) => string[]): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(
        conns.map(async (c, n) => {
          const t = quoteTable(n === 0 ? schemas.backup : schemas.interim, table);
          for (const q of sql(t)) await c.rawRows(q);
        }),
      );
      return Math.round(performance.now() - t0) / 1000;
    };
    const slices = (t: string, body: (where: string) => string): string[] => {
      const out: string[] = [];
      const step = 50_000; // as a listing chunk
      const top = Math.max(bt.rowsEstimate, it.rowsEstimate) * 1.1 + step;
      for (let lo = 0; lo < top; lo += step) {
        out.push(body(`${key} > ${lo} AND ${key} <= ${lo + step}`));
      }
      out.push(body(`${key} > ${Math.floor(top / step) * step}`));
      return out.map((q) => q.replaceAll('$T', t));
    };
    return {
      floor: await each((t) => [`CHECKSUM TABLE ${t}`]),
      scan: await each((t) => [`SELECT COUNT(*), MAX(${last}) FROM ${t}`]),
      rowString: await each((t) => [`SELECT COUNT(*), SUM(CRC32(${row})) FROM ${t}`]),
      rowHash64: await each((t) => [`SELECT COUNT(*), SUM(${hash}) FROM ${t}`]),
      listing: await each((t) =>
        slices(
          t,
          (w) =>
            `${b.server.flavor === 'mariadb' ? 'SET STATEMENT group_concat_max_len = 67108864 FOR SELECT' : 'SELECT /*+ SET_VAR(group_concat_max_len = 67108864) */'} LENGTH(GROUP_CONCAT(CONCAT(${listHashSql(rowStringSql(pair, keys))}, ' ', ${key}))) FROM $T WHERE ${w}`,
        ),
      ),
    };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}
