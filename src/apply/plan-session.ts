import type { Logger } from 'pino';
import { connect } from '../db/mysql.js';
import type { Connection } from '../db/types.js';
import { type DbTarget, describeTarget, withSchema } from '../db/url.js';
import type { PlanManifest } from '../plan/format.js';
import { resolveTables, type TableRun } from './plan-tables.js';

/** A plan opened against the schema it writes: the writer's connection and the matched tables. */
export interface PlanSession {
  readonly dir: string;
  readonly manifest: PlanManifest;
  /** the target server, with credentials */
  readonly server: DbTarget;
  /** the schema written: the plan's target, or a rehearsal's scratch copy */
  readonly schema: string;
  readonly conn: Connection;
  readonly runs: readonly TableRun[];
  readonly logger: Logger;
  /** the schema as users know it, without secrets */
  readonly where: string;
}

/**
 * Opens the writer's connection for a plan. Beyond what every session has (UTC, utf8mb4,
 * strict, NO_AUTO_VALUE_ON_ZERO so an id of 0 is stored as 0 and not replaced by the next
 * counter value), it turns FOREIGN_KEY_CHECKS off, because:
 * - a remap rewrites a parent's id and its children's references in separate statements, and
 *   self-references or reference cycles have no order that satisfies the checks row by row;
 * - with checks on, ON DELETE/UPDATE CASCADE and SET NULL would change rows the plan does not
 *   name, which neither the digests nor the journal would account for;
 * - a rollback restores rows in reverse order, again through transient orphans.
 * The plan's end state is what counts, and `verify` checks it for orphans explicitly.
 */
export async function openPlanSession(
  dir: string,
  manifest: PlanManifest,
  server: DbTarget,
  schema: string,
  logger: Logger,
): Promise<PlanSession> {
  const target = withSchema(server, schema);
  const conn = await openWriter(server, schema, logger);
  try {
    const runs = await resolveTables(conn, manifest, schema);
    return { dir, manifest, server, schema, conn, runs, logger, where: describeTarget(target) };
  } catch (e) {
    await conn.close();
    throw e;
  }
}

/**
 * A connection to `schema` set up as apply writes (see above): foreign key checks off, UTC,
 * NO_AUTO_VALUE_ON_ZERO. The plan session's, and each extra lane's of a parallel apply.
 */
export async function openWriter(
  server: DbTarget,
  schema: string,
  logger: Logger,
): Promise<Connection> {
  const conn = await connect(withSchema(server, schema), { logger });
  try {
    await conn.execute(
      "SET SESSION foreign_key_checks = 0, time_zone = '+00:00', sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'NO_AUTO_VALUE_ON_ZERO')",
    );
    return conn;
  } catch (e) {
    await conn.close();
    throw e;
  }
}
