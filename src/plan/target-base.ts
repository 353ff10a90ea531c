import { chooseDigestMethod, type DigestMethod } from '../checksum/digest-method.js';
import type { RowHashFunction } from '../checksum/row-expr.js';
import type { SessionPool } from '../db/session-pool.js';
import type { ServerInfo } from '../db/types.js';
import { type DigestOptions, tableDigestBy } from '../diff/table-digest.js';
import { PreconditionError } from '../errors.js';
import { type Digest, digestColumns, digestEquals } from '../hash/digest.js';
import type { TableInfo } from '../introspect/types.js';
import type { PlannedPair } from './prepare-tables.js';
import type { World } from './table-model.js';

export interface SnapshotSide {
  readonly pool: SessionPool;
  readonly schema: string;
}

/**
 * Rows per chunk when the client reads digests. tableDigest holds a chunk's rows as buffers while
 * it hashes them; at its adaptive maximum (50,000 rows × the pool's connections) that is most of
 * a plan's peak memory on narrow tables, for no gain in speed. (The server's digests send only
 * sums, and size their own chunks.)
 */
const DIGEST_OPTIONS: DigestOptions = { chunkRows: 10_000 };

/** What the target holds for a table now: its digest, and which side's rows those are. */
export interface TargetState {
  readonly base: World;
  readonly digest: Digest;
  /**
   * the interim's digest of the table, read in the diff's snapshot (in place, `digest`): a
   * checkpoint compares it to tell whether the interim changed since an interrupted plan
   */
  readonly interimDigest: Digest;
  /** how the table's digests are computed (by the server where it can be trusted) */
  readonly method: DigestMethod;
}

/** The servers the digests are read on, and the row hash all of them compute. */
export interface DigestServers {
  readonly target: ServerInfo;
  readonly sources: readonly ServerInfo[];
  readonly rowHash: RowHashFunction | null;
}

/**
 * The target's digests before, and for each table which side's rows the target holds. In place
 * the target is the interim (read in the diff's own snapshot). Another schema must hold, table by
 * table, a copy of the interim or of the backup: the actions are the way from that copy to the
 * merged rows.
 */
export async function targetStates(
  planned: readonly PlannedPair[],
  sides: { readonly backup: SnapshotSide; readonly interim: SnapshotSide },
  target: SnapshotSide | null,
  servers: DigestServers,
): Promise<Map<string, TargetState>> {
  const out = new Map<string, TargetState>();
  const refusals: string[] = [];
  let first: string | undefined;
  for (const p of planned) {
    const method = chooseDigestMethod(p.target, servers.target, servers.sources, servers.rowHash);
    // Every side's digest over the target's stored columns: the same row string on each.
    const digestOf = (side: SnapshotSide) =>
      tableDigestBy(side.pool, side.schema, p.target, method, DIGEST_OPTIONS);
    const interim = () => digestOf(sides.interim);
    if (target === null) {
      const digest = await interim();
      out.set(p.pair.name, { base: 'interim', digest, interimDigest: digest, method });
      continue;
    }
    const shape = sameStoredShape(p.target, p.pair.interim);
    if (shape) {
      refusals.push(`${p.pair.name}: the target's columns differ from the interim's (${shape})`);
      first ??= `${target.schema}.${p.pair.name}`;
      continue;
    }
    const digest = await digestOf(target);
    const interimDigest = await interim();
    if (digestEquals(digest, interimDigest)) {
      out.set(p.pair.name, { base: 'interim', digest, interimDigest, method });
    } else if (digestEquals(digest, await digestOf(sides.backup))) {
      out.set(p.pair.name, { base: 'backup', digest, interimDigest, method });
    } else {
      refusals.push(
        `${p.pair.name}: the target holds neither the interim's rows nor the backup's (${digest.count} rows); plan into a copy of one of them`,
      );
      first ??= `${target.schema}.${p.pair.name}`;
    }
  }
  if (refusals.length > 0)
    throw new PreconditionError(
      'cannot-plan',
      `cannot plan into ${target?.schema}: ${refusals.join('; ')}`,
      { table: first },
    );
  return out;
}

function sameStoredShape(a: TableInfo, b: TableInfo): string | null {
  const x = digestColumns(a).map((c) => `${c.name} ${c.columnType}`);
  const y = digestColumns(b).map((c) => `${c.name} ${c.columnType}`);
  if (x.join('\n') === y.join('\n')) return null;
  const onlyA = x.filter((c) => !y.includes(c));
  const onlyB = y.filter((c) => !x.includes(c));
  return `target: ${onlyA.join(', ') || '-'}; interim: ${onlyB.join(', ') || '-'}`;
}
