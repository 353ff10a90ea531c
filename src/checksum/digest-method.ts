/**
 * How a table's digests are computed (its count and sum of row hashes, DESIGN.md §2): by the
 * server, one scan summing the row hash of row-expr.ts, which the client can predict
 * (client-row-hash.ts); or, where the server's text of some column cannot be trusted to be the
 * protocol's, by the client, reading every row (xxHash64 of the canonical encoding).
 */
import type { ServerInfo } from '../db/types.js';
import type { TableInfo } from '../introspect/types.js';
import type { RowHashFunction } from './row-expr.js';

export type DigestMethod =
  /** the server sums its row hash (row-expr.ts) over the table's stored columns */
  | { readonly kind: 'server'; readonly rowHash: RowHashFunction }
  /** the client reads every row and sums xxHash64 of its canonical encoding, and why */
  | { readonly kind: 'client'; readonly reason: string };

/**
 * The method for a table written on `target`, whose rows may come from `sources` (the servers
 * they are copied from): the server's sum where its text of every stored column is the
 * protocol's (row-expr.ts's invariant, checked on MariaDB for every type), the client's
 * otherwise, with the reason.
 */
export function chooseDigestMethod(
  table: TableInfo,
  target: ServerInfo,
  sources: readonly ServerInfo[],
  rowHash: RowHashFunction | null,
): DigestMethod {
  if (rowHash === null) return { kind: 'client', reason: 'server-side hashing not available' };
  const stored = table.columns.filter((c) => c.generated === null);
  if (target.flavor === 'mysql') {
    const f = stored.find((c) => c.family === 'float' || c.family === 'json');
    if (f)
      return {
        kind: 'client',
        reason: `${f.family === 'json' ? 'JSON' : 'FLOAT/DOUBLE'} column ${f.name}: its text in an expression is not verified on MySQL`,
      };
  }
  if (sources.some((s) => s.flavor !== target.flavor)) {
    const j = stored.find((c) => c.family === 'json');
    if (j)
      return {
        kind: 'client',
        reason: `JSON column ${j.name}: MySQL and MariaDB store JSON text differently`,
      };
  }
  return { kind: 'server', rowHash };
}
