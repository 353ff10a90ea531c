import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import type { Logger } from 'pino';
import type { Row } from '../cell/cells.js';
import type { JsonReferenceCandidate } from '../cell/json-paths.js';
import type { PlanConfig } from '../config/types.js';
import { CHECKPOINT_FILE } from '../diff/checkpoint.js';
import type { Progress } from '../diff/progress.js';
import { errnoCode } from '../errno.js';
import { PreconditionError, UsageError } from '../errors.js';
import { writingTo } from '../faults.js';
import { makeDirs } from '../make-dirs.js';
import { must, mustGet } from '../must.js';
import { actionFileName } from './action-file.js';
import { ACTIONS_DIR, MANIFEST_FILE, type PlanManifest, type PlanTable } from './format.js';
import { assignFreshIds } from './fresh-ids.js';
import { buildManifest } from './manifest.js';
import {
  PlanCheckpoint,
  planFingerprint,
  planRestartReason,
  readPlanCheckpoint,
} from './plan-checkpoint.js';
import { diffIntoSpools, spoolBase, spoolPaths } from './plan-diff.js';
import { serializeManifest } from './plan-files.js';
import { openPlanInputs, type PlanInputs, rssMB } from './plan-inputs.js';
import { planOneTable } from './plan-table.js';
import { RemapBook } from './remap-book.js';
import { writePlanSql } from './render-sql.js';
import type { World } from './table-model.js';
import type { TableRecord } from './table-record.js';
import { jsonIdPaths, unfollowedRemapWarning } from './warnings.js';

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
  /**
   * `plan --refresh`: plan only the rows at these keys, per table, against the sources as they
   * are now; the other tables are left alone (listed as skipped)
   */
  readonly keys?: ReadonlyMap<string, readonly Row[]>;
  /**
   * go on from the checkpoint an interrupted plan into the same folder left, when it is tied to
   * the same config, servers and schemas (default true); false starts over
   */
  readonly resume?: boolean;
}

export interface PlanResult {
  readonly dir: string;
  readonly manifest: PlanManifest;
  readonly seconds: number;
}

/**
 * `reconcile plan`: diffs backup and interim, applies the policies, and writes the plan folder
 * (plan.json, one actions file per table, plan.sql). Reads only: every source is read in a
 * consistent snapshot, and nothing is written to any database. The passes (README.md):
 *
 *   inputs     sources and target opened, tables modeled, target digests read
 *   checkpoint an interrupted plan's diff gone on with, or a new checkpoint
 *   diff       every differing row spooled to disk, per table and class (checkpointed)
 *   fresh ids  colliding rows that move get ids, parents first, into the remap book
 *   tables     one by one, parents first: decide, draft, check unique keys, write actions
 *   folder     plan.json and plan.sql, then the folder renamed into place
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
 * A fault of writing them (a full disk, a read-only folder) names the --out folder.
 */
export function runPlan(opts: PlanOptions): Promise<PlanResult> {
  return writingTo(opts.outDir, () => planInto(opts));
}

async function planInto(opts: PlanOptions): Promise<PlanResult> {
  const t0 = performance.now();
  const { config, logger } = opts;
  await checkOutDir(opts.outDir, opts.force);
  const partial = `${opts.outDir.replace(/\/+$/, '')}.partial`;
  const work = join(partial, '.work');
  const saved = await readPlanCheckpoint(work);
  if (saved.kind !== 'found') {
    // A folder that cannot be written is refused before anything connects.
    await rm(partial, { recursive: true, force: true });
    await makeDirs(work);
  }

  const inputs = await openPlanInputs(config, opts.concurrency, logger, opts.keys);
  try {
    // A refresh plans a few keys at once: nothing to resume (its keys may differ next time).
    const checkpoint = await beginCheckpoint(
      opts.keys ? { ...opts, resume: false } : opts,
      inputs,
      partial,
      saved,
    );
    const diffed = await diffIntoSpools(
      inputs.src,
      inputs.tables.map((t) => t.model),
      work,
      opts,
      checkpoint,
    );
    logger.info({ event: 'plan.diffed', tables: diffed.size, rssMB: rssMB() }, 'diffed');
    const book = new RemapBook();
    const records = await freshIdPass(inputs, diffed, book);
    const ctx = { config, tables: records, book, sides: inputs.sides, work, dir: partial, logger };
    const tables: PlanTable[] = [];
    for (const r of records)
      tables.push(await planOneTable({ ...ctx, hash64: inputs.src.hash64 }, r));

    const warned = await remapWarnings(inputs, records, tables, book, logger);
    const manifest = buildManifest({ config, inputs, records, tables: warned, book });
    await writeFile(join(partial, MANIFEST_FILE), serializeManifest(manifest));
    await writePlanSql(partial, manifest, sqlShapes(records), inputs.target.server.flavor);
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
  } finally {
    // A failed plan leaves its folder: the checkpoint in it lets the same command go on.
    await inputs.close();
  }
}

/**
 * Goes on from the checkpoint an interrupted plan left in `partial`, or starts over in a
 * cleared folder, saying why. Either way what the passes after the diff wrote is cleared: they
 * run again whole.
 */
async function beginCheckpoint(
  opts: PlanOptions,
  inputs: PlanInputs,
  partial: string,
  saved: Awaited<ReturnType<typeof readPlanCheckpoint>>,
): Promise<PlanCheckpoint> {
  const work = join(partial, '.work');
  const fingerprint = planFingerprint(opts.config, inputs);
  const why = planRestartReason(saved, fingerprint, opts.resume !== false);
  if (why !== null) {
    opts.logger.warn(
      { event: 'plan.restarted', reason: why },
      `starting over, not resuming the interrupted plan in ${partial}: ${why}`,
    );
  }
  const going = why === null ? saved : ({ kind: 'none' } as const);
  if (going.kind === 'found') {
    await rm(join(partial, ACTIONS_DIR), { recursive: true, force: true });
    for (const f of await readdir(partial))
      if (f !== '.work') await rm(join(partial, f), { recursive: true, force: true });
    for (const f of await readdir(work))
      if (!f.startsWith('spool-') && f !== CHECKPOINT_FILE)
        await rm(join(work, f), { recursive: true, force: true });
  } else {
    await rm(partial, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  }
  await mkdir(join(partial, ACTIONS_DIR));
  const interim = new Map(
    inputs.tables.map((t) => [
      t.model.name,
      { digest: t.state.interimDigest, method: stableStringify(t.state.method) },
    ]),
  );
  const keys = new Map(inputs.tables.map((t) => [t.model.name, t.model.key]));
  const spools = new Map(
    inputs.tables.map((t, n) => [t.model.name, spoolPaths(spoolBase(work, n))]),
  );
  return PlanCheckpoint.begin(work, going, { fingerprint, interim, keys, spools }, opts.logger);
}

/**
 * Hands out fresh ids to the colliding rows that move, table by table in write order, and
 * builds each table's record. Runs before any table is planned: a child planned before its
 * parent (a reference cycle), or a row of a self-referencing table, must already see where
 * its parent went.
 */
async function freshIdPass(
  inputs: PlanInputs,
  diffed: ReadonlyMap<string, TableRecord['diff']>,
  book: RemapBook,
): Promise<TableRecord[]> {
  const records: TableRecord[] = [];
  for (const [position, t] of inputs.tables.entries()) {
    const name = t.model.name;
    const diff = mustGet(diffed, name, 'diff of table');
    records.push({
      ...t,
      name,
      position,
      file: actionFileName(position, name),
      diff,
      fresh: await assignFreshIds(inputs.sides, t.model, diff.collisions, book),
    });
  }
  const stuck = inputs.unfollowed.filter(
    (u) => book.has(u.parent, 'backup') || book.has(u.parent, 'interim'),
  );
  if (stuck.length > 0) {
    throw new PreconditionError(
      'cannot-plan',
      `cannot follow ${stuck.map((u) => `${u.label} (${u.reason})`).join('; ')}, and rows of its parent move`,
      { table: stuck[0]?.child },
    );
  }
  return records;
}

/**
 * Once every table is planned (every move known): each remapped table's warning about columns
 * that look like references to it and are not followed, added to its PlanTable.
 */
async function remapWarnings(
  inputs: PlanInputs,
  records: readonly TableRecord[],
  tables: readonly PlanTable[],
  book: RemapBook,
  logger: Logger,
): Promise<PlanTable[]> {
  // The JSON columns' id paths of a side: sampled once, for every table remapped on it.
  const jsonPaths = new Map<World, Promise<JsonReferenceCandidate[]>>();
  return Promise.all(
    tables.map(async (t, n) => {
      const r = records[n];
      if (!r?.fresh) return t;
      const s = r.fresh.summary.side;
      const side = {
        ...inputs.sides[s],
        info: s === 'backup' ? inputs.src.backupSchema : inputs.src.interimSchema,
      };
      const paths = jsonPaths.get(s) ?? jsonIdPaths(side);
      jsonPaths.set(s, paths);
      const w = await unfollowedRemapWarning(r, records, book, side, await paths);
      if (w === null) return t;
      logger.warn({ event: 'plan.warning', table: t.table }, `${t.table}: ${w}`);
      return { ...t, warnings: [...t.warnings, w] };
    }),
  );
}

function sqlShapes(records: readonly TableRecord[]) {
  return new Map(
    records.map((r) => [
      r.name,
      {
        columns: r.model.stored,
        key: r.model.key.map((k) =>
          must(
            r.model.target.columns.find((c) => c.name === k),
            `key column ${k} of ${r.name}`,
          ),
        ),
        autoIncrementNow: r.model.target.autoIncrement,
      },
    ]),
  );
}

/** The plan folder must not hold anything yet, unless --force (and then only an old plan). */
async function checkOutDir(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`--out ${dir}: not a folder`);
    entries = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
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
