import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { policyRecord } from '../config/policy.js';
import type { PlanConfig } from '../config/types.js';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import { type DbTarget, describeTarget, sameServer } from '../db/url.js';
import { DiffSources } from '../diff/engine.js';
import { tableFileName } from '../diff/jsonl-writer.js';
import type { Progress } from '../diff/progress.js';
import { PreconditionError, UsageError } from '../errors.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { SchemaInfo } from '../introspect/types.js';
import { configHash, schemaFingerprint } from './fingerprint.js';
import {
  ACTIONS_DIR,
  type ActionCounts,
  type ClassCounts,
  MANIFEST_FILE,
  PLAN_FORMAT_VERSION,
  type PlanManifest,
  type PlanTable,
  type RemapSummary,
} from './format.js';
import { assignFreshIds } from './fresh-ids.js';
import { diffIntoSpools } from './plan-diff.js';
import { computePlanId, serializeManifest } from './plan-files.js';
import { type PlanTablesContext, planOneTable } from './plan-table.js';
import { selectTables } from './prepare-tables.js';
import { linkReferences, referencesTo, writeOrder } from './references.js';
import { RemapBook } from './remap-book.js';
import { writePlanSql } from './render-sql.js';
import { buildTableModel, type TableModel } from './table-model.js';
import { targetStates } from './target-base.js';

export interface PlanOptions {
  readonly config: PlanConfig;
  readonly outDir: string;
  /** replace an existing plan folder */
  readonly force: boolean;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly progress?: Progress;
  /** a fixed chunk size for the diff (tests) */
  readonly chunkRows?: number;
}

export interface PlanResult {
  readonly dir: string;
  readonly manifest: PlanManifest;
  readonly seconds: number;
}

/**
 * `reconcile plan`: diffs backup and interim, applies the policies, and writes the plan folder
 * (plan.json, one actions file per table, plan.sql). Reads only: every source is read in a
 * consistent snapshot, and nothing is written to any database.
 *
 * Steps: the target's digests (and, for another schema, which side it is a copy of); the diff,
 * whose differing rows are spooled to disk per table and class; fresh ids for collisions; then
 * table by table, parents first: decisions drafted to disk, unique keys checked, the final
 * actions file written with the digest after; last plan.json and plan.sql.
 *
 * Memory does not grow with table size, except for what is kept per moved row:
 * - the diff engine's chunks (its own bound: chunk size × concurrency);
 * - RemapBook: one entry per row that moves or merges (~150 bytes each);
 * - per table, while it is planned: the keys its actions update or delete (one string each,
 *   ~80 bytes) and the written rows that are not verbatim copies of the bulk side, for the
 *   unique-key check, only for tables with unique keys; the identical rows found to follow a
 *   moved parent (their keys, to skip repeats);
 * - the differing rows of a table without a key (sorted in memory before spooling).
 * Every action, and every differing row, goes through files, never a whole table in memory.
 */
export async function runPlan(opts: PlanOptions): Promise<PlanResult> {
  const t0 = performance.now();
  const { config, logger } = opts;
  await checkOutDir(opts.outDir, opts.force);
  const partial = `${opts.outDir.replace(/\/+$/, '')}.partial`;
  await rm(partial, { recursive: true, force: true });
  const work = join(partial, '.work');
  await mkdir(work, { recursive: true });
  await mkdir(join(partial, ACTIONS_DIR));

  const src = await DiffSources.open(config.backup, config.interim, opts.concurrency, logger);
  const inPlace = config.target === null || sameSchema(config.target, config.interim);
  let targetPool: SessionPool | null = null;
  try {
    let targetSchema: SchemaInfo = src.interimSchema;
    const targetDb: DbTarget = inPlace ? config.interim : (config.target as DbTarget);
    if (!inPlace) {
      targetPool = await SessionPool.open(opts.concurrency, () => connect(targetDb, { logger }), {
        snapshot: true,
      });
      targetSchema = await introspectSchema(targetPool.primary, targetDb.schema);
    }
    const selection = selectTables(config, src.comparison, targetSchema);
    const sides = {
      backup: { pool: src.backupPool, schema: config.backup.schema },
      interim: { pool: src.interimPool, schema: config.interim.schema },
    };
    logger.debug({ event: 'plan.digests', rssMB: rssMB() }, 'reading the target digests');
    const states = await targetStates(
      selection.planned,
      sides,
      targetPool ? { pool: targetPool, schema: targetDb.schema } : null,
    );

    logger.debug({ event: 'plan.digests-read', rssMB: rssMB() }, 'target digests read');
    const models = new Map<string, TableModel>();
    const refusals: string[] = [];
    for (const p of selection.planned) {
      const state = states.get(p.pair.name);
      const m = buildTableModel(p.pair, p.target, p.policy, state?.base ?? 'interim');
      if (typeof m === 'string') refusals.push(`${p.pair.name}: ${m}`);
      else models.set(m.name, m);
    }
    if (refusals.length > 0) throw new PreconditionError(`cannot plan: ${refusals.join('; ')}`);
    const unfollowed = linkReferences(models, {
      backup: config.backup.schema,
      interim: config.interim.schema,
      target: targetDb.schema,
    });
    const order = writeOrder(models);

    const diffed = await diffIntoSpools(src, models, config.incident, work, {
      concurrency: opts.concurrency,
      logger,
      progress: opts.progress,
      chunkRows: opts.chunkRows,
    });
    logger.info({ event: 'plan.diffed', tables: models.size, rssMB: rssMB() }, 'diffed');

    const book = new RemapBook();
    const remaps: Omit<RemapSummary, 'followedBy'>[] = [];
    const lastFresh = new Map<string, bigint>();
    for (const name of order) {
      const fresh = await assignFreshIds(
        sides,
        models.get(name) as TableModel,
        diffed.get(name)?.collisions ?? [],
        book,
      );
      if (fresh) {
        remaps.push(fresh.summary);
        lastFresh.set(name, fresh.last);
      }
    }
    const stuck = unfollowed.filter(
      (u) => book.has(u.parent, 'backup') || book.has(u.parent, 'interim'),
    );
    if (stuck.length > 0) {
      throw new PreconditionError(
        `cannot follow ${stuck.map((u) => `${u.label} (${u.reason})`).join('; ')}, and rows of its parent move`,
      );
    }

    const ctx: PlanTablesContext = {
      config,
      models,
      order,
      diffed,
      states,
      book,
      sides,
      work,
      dir: partial,
      hash64: src.hash64,
      lastFresh,
      logger,
    };
    const tables: PlanTable[] = [];
    for (const [i, name] of order.entries()) {
      const file = `${ACTIONS_DIR}/${String(i + 1).padStart(3, '0')}-${tableFileName(name, 'jsonl')}`;
      tables.push(
        await planOneTable(ctx, name, file, policyRecord((models.get(name) as TableModel).policy)),
      );
    }

    const targetVersion = targetPool
      ? targetPool.primary.server.version
      : src.servers.interim.version;
    const manifest = buildManifest(
      config,
      src,
      targetSchema,
      targetDb,
      targetVersion,
      inPlace,
      order,
      tables,
      remaps,
      book,
      models,
      selection.skipped,
    );
    await writeFile(join(partial, MANIFEST_FILE), serializeManifest(manifest));
    const shapes = new Map(
      [...models.values()].map((m) => [
        m.name,
        { columns: m.stored, autoIncrementNow: m.target.autoIncrement },
      ]),
    );
    const flavor = targetPool
      ? targetPool.primary.server.flavor
      : src.interimPool.primary.server.flavor;
    await writePlanSql(partial, manifest, shapes, flavor);
    await rm(work, { recursive: true, force: true });
    await rm(opts.outDir, { recursive: true, force: true });
    await rename(partial, opts.outDir);
    const seconds = Math.round(performance.now() - t0) / 1000;
    logger.info(
      {
        event: 'plan.done',
        planId: manifest.planId,
        dir: opts.outDir,
        seconds,
        unresolved: manifest.unresolved,
      },
      'plan written',
    );
    return { dir: opts.outDir, manifest, seconds };
  } catch (e) {
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  } finally {
    await src.close();
    await targetPool?.close();
  }
}

function rssMB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

function sameSchema(a: DbTarget, b: DbTarget): boolean {
  return sameServer(a, b) && a.schema === b.schema;
}

/** The plan folder must not hold anything yet, unless --force (and then only an old plan). */
async function checkOutDir(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`--out ${dir}: not a folder`);
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (entries.length === 0) return;
  if (!force)
    throw new UsageError(
      `--out ${dir}: the folder is not empty (use --force to replace a plan there)`,
    );
  if (!entries.includes(MANIFEST_FILE)) {
    throw new UsageError(
      `--out ${dir}: holds files but no ${MANIFEST_FILE}: not replacing something that is not a plan`,
    );
  }
}

function buildManifest(
  config: PlanConfig,
  src: DiffSources,
  targetSchema: SchemaInfo,
  targetDb: DbTarget,
  targetVersion: string,
  inPlace: boolean,
  order: readonly string[],
  tables: readonly PlanTable[],
  remaps: readonly Omit<RemapSummary, 'followedBy'>[],
  book: RemapBook,
  models: ReadonlyMap<string, TableModel>,
  skipped: readonly { table: string; reason: string }[],
): PlanManifest {
  const sum = <K extends string>(
    keys: readonly K[],
    pick: (t: PlanTable) => Record<K, number>,
  ): Record<K, number> => {
    const out = {} as Record<K, number>;
    for (const k of keys) out[k] = tables.reduce<number>((n, t) => n + pick(t)[k], 0);
    return out;
  };
  const classes = sum<keyof ClassCounts>(
    ['identical', 'changed', 'onlyBackup', 'onlyInterim', 'collision'],
    (t) => t.counts,
  );
  const actions = sum<keyof ActionCounts>(
    ['insert', 'update', 'delete', 'unresolved', 'keep'],
    (t) => t.actions,
  );
  const servers = src.servers;
  const withoutId: Omit<PlanManifest, 'planId'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    configHash: configHash(config),
    sources: {
      backup: {
        url: describeTarget(config.backup),
        schema: config.backup.schema,
        server: servers.backup.version,
        sslMode: config.backup.tls.mode,
      },
      interim: {
        url: describeTarget(config.interim),
        schema: config.interim.schema,
        server: servers.interim.version,
        sslMode: config.interim.tls.mode,
      },
      target: {
        url: describeTarget(targetDb),
        schema: targetDb.schema,
        server: targetVersion,
        sslMode: targetDb.tls.mode,
      },
    },
    inPlace,
    schemaFingerprints: {
      backup: schemaFingerprint(src.backupSchema),
      interim: schemaFingerprint(src.interimSchema),
      target: schemaFingerprint(targetSchema),
    },
    incident: { start: config.incident?.iso ?? null },
    order,
    tables,
    remaps: remaps.map((r) => ({
      ...r,
      followedBy: referencesTo(models, r.table)
        .filter((ref) => (book.followed.get(ref.label) ?? 0) > 0)
        .map((ref) => ref.label),
    })),
    unresolved: actions.unresolved,
    needsAllowTriggers: tables.some((t) => t.triggers.length > 0),
    totals: { ...classes, ...actions },
    skipped: [...skipped].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)),
  };
  return { ...withoutId, planId: computePlanId(withoutId) };
}
