import type { SessionPool } from '../db/session-pool.js';
import { type DigestOptions, tableDigest } from '../diff/table-digest.js';
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
 * Rows per chunk when reading digests. tableDigest holds a chunk's rows as buffers while it hashes
 * them; at its adaptive maximum (50,000 rows × the pool's connections) that is most of a plan's
 * peak memory on narrow tables, for no gain in speed.
 */
const DIGEST_OPTIONS: DigestOptions = { chunkRows: 10_000 };

/** What the target holds for a table now: its digest, and which side's rows those are. */
export interface TargetState {
  readonly base: World;
  readonly digest: Digest;
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
): Promise<Map<string, TargetState>> {
  const out = new Map<string, TargetState>();
  const refusals: string[] = [];
  for (const p of planned) {
    const interim = () =>
      tableDigest(sides.interim.pool, sides.interim.schema, p.pair.interim, DIGEST_OPTIONS);
    if (target === null) {
      out.set(p.pair.name, { base: 'interim', digest: await interim() });
      continue;
    }
    const shape = sameStoredShape(p.target, p.pair.interim);
    if (shape) {
      refusals.push(`${p.pair.name}: the target's columns differ from the interim's (${shape})`);
      continue;
    }
    const digest = await tableDigest(target.pool, target.schema, p.target, DIGEST_OPTIONS);
    if (digestEquals(digest, await interim())) {
      out.set(p.pair.name, { base: 'interim', digest });
    } else if (
      digestEquals(
        digest,
        await tableDigest(sides.backup.pool, sides.backup.schema, p.pair.backup, DIGEST_OPTIONS),
      )
    ) {
      out.set(p.pair.name, { base: 'backup', digest });
    } else {
      refusals.push(
        `${p.pair.name}: the target holds neither the interim's rows nor the backup's (${digest.count} rows); plan into a copy of one of them`,
      );
    }
  }
  if (refusals.length > 0)
    throw new PreconditionError(
      'cannot-plan',
      `cannot plan into ${target?.schema}: ${refusals.join('; ')}`,
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
