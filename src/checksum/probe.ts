import type { SessionPool } from '../db/session-pool.js';
import { ROW_VARIABLE, type RowHashFunction } from './row-expr.js';

/**
 * Picks the per-row hash both servers can compute. CRC32 ‖ CRC32C (MariaDB ≥ 10.8) costs about
 * half of SHA1 per row; building the row string once into a user variable saves another fifth,
 * but only holds if the server evaluates `a | b` left to right, which is checked here rather
 * than assumed.
 */
export async function chooseRowHash(pools: readonly SessionPool[]): Promise<RowHashFunction> {
  const answers = await Promise.all(
    pools.map((p) =>
      p.run(async (s) => {
        try {
          const rows = await s.rawRows(
            `SELECT (CRC32(${ROW_VARIABLE} := ?) << 32 | CRC32C(${ROW_VARIABLE})) = (CRC32(?) << 32 | CRC32C(?))`,
            ['reconcile probe', 'reconcile probe', 'reconcile probe'],
          );
          return rows[0]?.[0]?.toString('latin1') === '1' ? 'var' : 'plain';
        } catch {
          return 'none'; // no CRC32C on this server
        }
      }),
    ),
  );
  if (answers.includes('none')) return 'sha1';
  return answers.every((a) => a === 'var') ? 'crc64-var' : 'crc64';
}
