import type { Logger } from 'pino';
import type { ResolveTuning } from '../checksum/resolve.js';
import { connect } from '../db/mysql.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { errnoCode } from '../errno.js';
import { UsageError } from '../errors.js';
import { fileFaultError, writingTo } from '../faults.js';
import type { TablePair } from '../introspect/compare.js';
import type { TableInfo } from '../introspect/types.js';
import { makeDirs } from '../make-dirs.js';
import { mustGet } from '../must.js';
import { diffFingerprint } from './diff-checkpoint.js';
import { comparePairs, type DiffMethod, DiffSources } from './engine.js';
import { oneSidedTable } from './one-sided.js';
import { OutDir, type TablePass, takePart } from './out-dir.js';
import type { Progress } from './progress.js';
import {
  type DiffDocument,
  describeIdentity,
  hasDifferences,
  type TableDiffResult,
} from './result.js';
import { TableTally } from './table-tally.js';

export interface DiffOptions {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  /** only these tables (each must exist on at least one side) */
  readonly tables: readonly string[] | null;
  readonly concurrency: number;
  readonly method: DiffMethod;
  /** keys listed per class and table in the document */
  readonly sampleLimit: number;
  /** write every differing key, per table, as JSONL */
  readonly outDir: string | null;
  readonly logger: Logger;
  readonly progress?: Progress;
  /** a fixed number of rows per chunk instead of the adaptive size */
  readonly chunkRows?: number;
  /** rows per server-side partition of a table without a key (the default suits production) */
  readonly partitionRows?: number;
  /** thresholds of the checksum pre-pass (tests, tuning) */
  readonly tuning?: Partial<ResolveTuning>;
  /**
   * with `outDir`, go on from the checkpoint an interrupted run left there when it is tied to
   * the same inputs (default true); false starts over
   */
  readonly resume?: boolean;
}

/**
 * `reconcile diff`: compares two schemas row by row and returns the diff document. A fault of
 * writing the keys (a full disk) names the --out folder.
 */
export function runDiff(opts: DiffOptions): Promise<DiffDocument> {
  const out = opts.outDir;
  return out ? writingTo(out, () => diff(opts)) : diff(opts);
}

async function diff(opts: DiffOptions): Promise<DiffDocument> {
  const t0 = performance.now();
  // Input errors first, before the snapshot pools open: one line, nothing else on stderr.
  if (opts.outDir) await makeOutDir(opts.outDir);
  if (opts.tables) await checkTablesExist(opts.backup, opts.interim, opts.tables);
  const src = await DiffSources.open(opts.backup, opts.interim, opts.concurrency, opts.logger);
  let out: OutDir | null = null;
  try {
    const selected = selectTables(src, opts.tables);
    out = opts.outDir ? await openOutDir(opts, opts.outDir, src, selected) : null;
    const passes = new Map<string, TablePass>();
    for (const pair of selected.pairs) {
      const keyNames = pair.identity.kind === 'none' ? [] : [...pair.identity.columns];
      const saved = out?.saved(pair.name);
      const output = out ? await out.tableOutput(pair.name) : null;
      passes.set(pair.name, {
        tally: new TableTally(pair.columns, keyNames, opts.sampleLimit, output, saved?.tally),
        output,
        chunks: saved?.chunks ?? 0,
        chunksSkipped: saved?.chunksSkipped ?? 0,
      });
    }

    const engine = { ...opts, resume: out?.resumePoints() };
    const stats = await comparePairs(src, selected.pairs, engine, async (pair, part, next) => {
      const pass = mustGet(passes, pair.name, 'tally of table');
      await takePart(pass, part);
      await out?.took(pair.name, pass, next);
    });

    const tables: TableDiffResult[] = [];
    for (const pair of selected.pairs) {
      const { tally, chunks, chunksSkipped } = mustGet(passes, pair.name, 'tally of table');
      const s = stats.get(pair.name);
      tables.push({
        table: pair.name,
        status: 'compared',
        identity: describeIdentity(pair.identity),
        ...tally.counts,
        changedColumns: tally.changedColumns,
        samples: tally.samples,
        drift: pair.drift,
        bitColumns: pair.columns.filter((c) => c.family === 'bit').map((c) => c.name),
        chunks,
        chunksSkipped,
        method: s?.method ?? 'client',
        methodNote: s?.methodNote ?? null,
        seconds: round(s?.seconds ?? 0),
      });
    }
    const sides = [
      [selected.onlyInBackup, src.backupPool, opts.backup.schema, 'onlyInBackup'],
      [selected.onlyInInterim, src.interimPool, opts.interim.schema, 'onlyInInterim'],
    ] as const;
    for (const [list, pool, schema, status] of sides) {
      for (const t of list) {
        tables.push(
          out
            ? await out.oneSided(t, status, (sink) => oneSidedTable(pool, schema, t, status, sink))
            : await oneSidedTable(pool, schema, t, status, null),
        );
      }
    }
    tables.sort((a, b) => Buffer.compare(Buffer.from(a.table), Buffer.from(b.table)));
    const doc = document(opts, src, tables, out, t0);
    await out?.finish();
    opts.logger.info({ event: 'diff.done', ...doc.totals, seconds: doc.seconds }, 'diff done');
    return doc;
  } finally {
    await out?.abandon();
    await src.close();
  }
}

function document(
  opts: DiffOptions,
  src: DiffSources,
  tables: TableDiffResult[],
  out: OutDir | null,
  t0: number,
): DiffDocument {
  const sum = (f: (t: TableDiffResult) => number): number => tables.reduce((n, t) => n + f(t), 0);
  return {
    backup: describeTarget(opts.backup),
    interim: describeTarget(opts.interim),
    servers: { backup: src.servers.backup.version, interim: src.servers.interim.version },
    totals: {
      tables: tables.length,
      identical: sum((t) => t.identical),
      changed: sum((t) => t.changed),
      onlyBackup: sum((t) => t.onlyBackup),
      onlyInterim: sum((t) => t.onlyInterim),
      tablesWithDifferences: tables.filter(hasDifferences).length,
      tablesWithDrift: tables.filter((t) => t.drift !== null).length,
    },
    tables,
    seconds: round((performance.now() - t0) / 1000),
    ...(out?.resumedFrom
      ? {
          resumed: {
            since: out.resumedFrom,
            tablesDone: out.tablesDone,
            chunksDone: out.chunksDone,
          },
        }
      : {}),
  };
}

/** The --out folder, going on from its checkpoint when it is tied to these inputs. */
function openOutDir(
  opts: DiffOptions,
  dir: string,
  src: DiffSources,
  selected: ReturnType<typeof selectTables>,
): Promise<OutDir> {
  const fingerprint = diffFingerprint({
    backup: opts.backup,
    interim: opts.interim,
    tables: opts.tables,
    sampleLimit: opts.sampleLimit,
    servers: src.servers,
    ...selected,
  });
  const tables = new Map<string, readonly string[]>();
  for (const p of selected.pairs)
    tables.set(p.name, p.identity.kind === 'none' ? [] : p.identity.columns);
  for (const t of [...selected.onlyInBackup, ...selected.onlyInInterim]) tables.set(t.name, []);
  return OutDir.open(dir, fingerprint, {
    resume: opts.resume !== false,
    logger: opts.logger,
    tables,
  });
}

async function makeOutDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir);
  } catch (e) {
    // A full disk or a read-only folder is the environment's (exit 3); anything else, the flag's.
    const fault = fileFaultError(e);
    if (fault) throw fault;
    const code = errnoCode(e) ?? String(e);
    throw new UsageError(`--out ${JSON.stringify(dir)}: cannot create the directory (${code})`, {
      cause: e,
    });
  }
}

/** Refuses table names that neither side has as a base table, with one short-lived session. */
async function checkTablesExist(
  backup: DbTarget,
  interim: DbTarget,
  names: readonly string[],
): Promise<void> {
  const found = new Set<string>();
  for (const t of [backup, interim]) {
    const s = await connect(t);
    try {
      const rows = await s.query<{ name: string }>(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
            AND TABLE_NAME IN (${names.map(() => '?').join(', ')})`,
        [t.schema, ...names],
      );
      for (const r of rows) found.add(r.name);
    } finally {
      await s.close();
    }
  }
  const unknown = names.filter((n) => !found.has(n));
  if (unknown.length > 0) throw unknownTables(unknown, backup.schema, interim.schema);
}

function unknownTables(unknown: readonly string[], backup: string, interim: string): UsageError {
  return new UsageError(
    `unknown table${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => JSON.stringify(t)).join(', ')}: in neither ${backup} (backup) nor ${interim} (interim)`,
  );
}

function selectTables(
  src: DiffSources,
  only: readonly string[] | null,
): {
  pairs: TablePair[];
  onlyInBackup: TableInfo[];
  onlyInInterim: TableInfo[];
} {
  const c = src.comparison;
  if (!only) {
    return {
      pairs: [...c.pairs],
      onlyInBackup: [...c.onlyInBackup],
      onlyInInterim: [...c.onlyInInterim],
    };
  }
  const want = new Set(only);
  const unknown = only.filter(
    (t) => !src.backupSchema.tables.has(t) && !src.interimSchema.tables.has(t),
  );
  if (unknown.length > 0) throw unknownTables(unknown, src.backup.schema, src.interim.schema);
  return {
    pairs: c.pairs.filter((p) => want.has(p.name)),
    onlyInBackup: c.onlyInBackup.filter((t) => want.has(t.name)),
    onlyInInterim: c.onlyInInterim.filter((t) => want.has(t.name)),
  };
}

export { describeIdentity } from './result.js';

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
