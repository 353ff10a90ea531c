import type { SessionPool } from '../db/session-pool.js';
import { type RowHashFunction, rowHashSql } from './row-expr.js';

/**
 * Picks the per-row hash both servers can compute. The CRC32 × CRC32C product (MariaDB ≥ 10.8)
 * costs about half of SHA1 per row, but builds the row string once into a user variable, which
 * only holds if the server evaluates the operands left to right: checked here against the same
 * value computed from literals (a NULL or another value means it does not), rather than
 * assumed. Otherwise SHA1.
 */
export async function chooseRowHash(pools: readonly SessionPool[]): Promise<RowHashFunction> {
  const answers = await Promise.all(
    pools.map((p) =>
      p.run(async (s) => {
        try {
          const p = 'reconcile probe';
          const rows = await s.rawRows(
            `SELECT ${rowHashSql('?', 'crc64-var')} = CRC32(?) * CRC32C(?)`,
            [p, p, p],
          );
          return rows[0]?.[0]?.toString('latin1') === '1' ? 'var' : 'plain';
        } catch {
          return 'none'; // no CRC32C on this server
        }
      }),
    ),
  );
  if (answers.includes('none')) return 'sha1';
  return answers.every((a) => a === 'var') ? 'crc64-var' : 'sha1';
}
