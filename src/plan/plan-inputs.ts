import type { Logger } from 'pino';
import { chooseRowHash } from '../checksum/probe.js';
import type { PlanConfig } from '../config/types.js';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import type { ServerInfo } from '../db/types.js';
import { type DbTarget, sameServer } from '../db/url.js';
import { DiffSources } from '../diff/engine.js';
import { PreconditionError } from '../errors.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { SchemaInfo } from '../introspect/types.js';
import { mustGet } from '../must.js';
import { checkConfiguredKeys } from './configured-keys.js';
import type { SidePools } from './fresh-ids.js';
import { onlyTables, type PlannedPair, selectTables } from './prepare-tables.js';
import {
  linkReferences,
  type MergeSchemas,
  type UnfollowedReference,
  writeOrder,
} from './references.js';
import { buildTableModel, type TableModel } from './table-model.js';
import type { ModeledTable } from './table-record.js';
import { type TargetState, targetStates } from './target-base.js';

/** Where the merge goes. */
export interface PlanTarget {
  readonly db: DbTarget;
  readonly schema: SchemaInfo;
  /** the target's own snapshot, when it is not the interim */
  readonly pool: SessionPool | null;
  /** the target is the interim itself */
  readonly inPlace: boolean;
  readonly server: ServerInfo;
}

/** Both sources and the target opened, and the planned tables modeled, in write order. */
export interface PlanInputs {
  readonly src: DiffSources;
  readonly target: PlanTarget;
  readonly sides: SidePools;
  readonly tables: readonly ModeledTable[];
  readonly skipped: readonly { table: string; reason: string }[];
  /** references that cannot be followed: fatal only if their parent's rows move */
  readonly unfollowed: readonly UnfollowedReference[];
  close(): Promise<void>;
}

/**
 * Opens the sources (consistent snapshots) and the target, picks the tables to plan, reads the
 * target's digests and which side's rows it holds, and builds each table's model with its
 * references. Reads only. The caller must `close()`.
 */
export async function openPlanInputs(
  config: PlanConfig,
  concurrency: number,
  logger: Logger,
  /** `plan --refresh`: the keys to plan again, per table (the other tables are skipped) */
  keys?: ReadonlyMap<string, unknown>,
): Promise<PlanInputs> {
  const src = await DiffSources.open(config.backup, config.interim, concurrency, logger);
  let pool: SessionPool | null = null;
  const close = async (): Promise<void> => {
    await src.close();
    await pool?.close();
  };
  try {
    const inPlace =
      config.target === null ||
      (sameServer(config.target, config.interim) && config.target.schema === config.interim.schema);
    const db = inPlace || config.target === null ? config.interim : config.target;
    let schema = src.interimSchema;
    if (!inPlace) {
      pool = await SessionPool.open(concurrency, () => connect(db, { logger }), { snapshot: true });
      schema = await introspectSchema(pool.primary, db.schema);
    }
    const target: PlanTarget = {
      db,
      schema,
      pool,
      inPlace,
      server: pool ? pool.primary.server : src.servers.interim,
    };
    const sides: SidePools = {
      backup: { pool: src.backupPool, schema: config.backup.schema },
      interim: { pool: src.interimPool, schema: config.interim.schema },
    };
    const all = selectTables(config, src.comparison, schema);
    const selection = keys ? onlyTables(all, keys) : all;
    await checkConfiguredKeys(selection.planned, sides);
    logger.debug({ event: 'plan.digests', rssMB: rssMB() }, 'reading the target digests');
    const states = await targetStates(
      selection.planned,
      sides,
      pool ? { pool, schema: db.schema } : null,
      {
        target: target.server,
        sources: [src.servers.backup, src.servers.interim],
        rowHash: await chooseRowHash([src.backupPool, src.interimPool, ...(pool ? [pool] : [])]),
      },
    );
    logger.debug({ event: 'plan.digests-read', rssMB: rssMB() }, 'target digests read');
    const { tables, unfollowed } = modelTables(selection.planned, states, {
      backup: config.backup.schema,
      interim: config.interim.schema,
      target: db.schema,
    });
    return { src, target, sides, tables, skipped: selection.skipped, unfollowed, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Each planned table's model, its references linked, in write order; refuses the plan, naming
 * every table that cannot be planned, when any cannot.
 */
function modelTables(
  planned: readonly PlannedPair[],
  states: ReadonlyMap<string, TargetState>,
  schemas: MergeSchemas,
): { tables: ModeledTable[]; unfollowed: readonly UnfollowedReference[] } {
  const refusals: { table: string; why: string }[] = [];
  const models: TableModel[] = [];
  for (const p of planned) {
    const state = mustGet(states, p.pair.name, 'target state of table');
    const m = buildTableModel(p.pair, p.target, p.policy, state.base);
    if (typeof m === 'string') refusals.push({ table: p.pair.name, why: m });
    else models.push(m);
  }
  if (refusals.length > 0) {
    throw new PreconditionError(
      'cannot-plan',
      `cannot plan: ${refusals.map((r) => `${r.table}: ${r.why}`).join('; ')}`,
      { table: refusals[0]?.table },
    );
  }
  const linked = linkReferences(models, schemas);
  const byName = new Map(linked.models.map((m) => [m.name, m]));
  const tables = writeOrder(linked.models).map((name) => {
    const model = mustGet(byName, name, 'model of table');
    return { model, state: mustGet(states, name, 'target state of table') };
  });
  return { tables, unfollowed: linked.unfollowed };
}

export function rssMB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}
