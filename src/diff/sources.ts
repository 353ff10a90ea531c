import type { Logger } from 'pino';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import type { ServerInfo } from '../db/types.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { type Hash64, loadHash64 } from '../hash/xxhash.js';
import { compareSchemas, type SchemaComparison, type TablePair } from '../introspect/compare.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { SchemaInfo } from '../introspect/types.js';
import { TableReader } from './table-reader.js';

/** Both sides opened: snapshot pools, schemas, and how their tables pair up. */
export class DiffSources {
  private constructor(
    readonly backup: DbTarget,
    readonly interim: DbTarget,
    readonly backupPool: SessionPool,
    readonly interimPool: SessionPool,
    readonly backupSchema: SchemaInfo,
    readonly interimSchema: SchemaInfo,
    readonly comparison: SchemaComparison,
    readonly hash64: Hash64,
  ) {}

  /**
   * Opens `poolSize` snapshot connections per side and reads both schemas. Both sides are read
   * inside `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`.
   */
  static async open(
    backup: DbTarget,
    interim: DbTarget,
    poolSize: number,
    logger: Logger,
  ): Promise<DiffSources> {
    const open = (t: DbTarget): Promise<SessionPool> =>
      SessionPool.open(poolSize, () => connect(t, { logger }), { snapshot: true });
    const [bp, ip] = await Promise.allSettled([open(backup), open(interim)]);
    if (bp.status === 'rejected') {
      if (ip.status === 'fulfilled') await ip.value.close();
      throw bp.reason;
    }
    if (ip.status === 'rejected') {
      await bp.value.close();
      throw ip.reason;
    }
    try {
      const [bs, is] = await Promise.all([
        introspectSchema(bp.value.primary, backup.schema),
        introspectSchema(ip.value.primary, interim.schema),
      ]);
      logger.info(
        {
          event: 'sources.opened',
          backup: describeTarget(backup),
          interim: describeTarget(interim),
          backupTables: bs.tables.size,
          interimTables: is.tables.size,
        },
        'sources opened',
      );
      return new DiffSources(
        backup,
        interim,
        bp.value,
        ip.value,
        bs,
        is,
        compareSchemas(bs, is),
        await loadHash64(),
      );
    } catch (e) {
      await Promise.allSettled([bp.value.close(), ip.value.close()]);
      throw e;
    }
  }

  get servers(): { backup: ServerInfo; interim: ServerInfo } {
    return { backup: this.backupPool.primary.server, interim: this.interimPool.primary.server };
  }

  readers(pair: TablePair): { backup: TableReader; interim: TableReader } {
    return {
      backup: new TableReader(pair, 'backup', this.backup.schema, this.backupPool, this.hash64),
      interim: new TableReader(pair, 'interim', this.interim.schema, this.interimPool, this.hash64),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.backupPool.close(), this.interimPool.close()]);
  }
}
