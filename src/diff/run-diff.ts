import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { connect } from '../db/mysql.js';
import { quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { UsageError } from '../errors.js';
import type { TablePair } from '../introspect/compare.js';
import type { RowIdentity, TableInfo } from '../introspect/types.js';
import { comparePairs, type DiffMethod, DiffSources } from './engine.js';
import { JsonlWriter, tableFileName } from './jsonl-writer.js';
import type { Progress } from './progress.js';
import type { DiffDocument, TableDiffResult } from './result.js';
import { hasDifferences } from './result.js';
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
}

/** `reconcile diff`: compares two schemas row by row and returns the diff document. */
export async function runDiff(opts: DiffOptions): Promise<DiffDocument> {
  const t0 = performance.now();
  // Input errors first, before the snapshot pools open: one line, nothing else on stderr.
  if (opts.outDir) await makeOutDir(opts.outDir);
  if (opts.tables) await checkTablesExist(opts.backup, opts.interim, opts.tables);
  const src = await DiffSources.open(opts.backup, opts.interim, opts.concurrency, opts.logger);
  const writers: JsonlWriter[] = [];
  try {
    const selected = selectTables(src, opts.tables);

    const tallies = new Map<string, TableTally>();
    for (const pair of selected.pairs) {
      let out: JsonlWriter | null = null;
      if (opts.outDir) {
        out = new JsonlWriter(join(opts.outDir, tableFileName(pair.name, 'jsonl')));
        writers.push(out);
      }
      const keyNames = pair.identity.kind === 'none' ? [] : [...pair.identity.columns];
      tallies.set(pair.name, new TableTally(pair.columns, keyNames, opts.sampleLimit, out));
    }

    const stats = await comparePairs(src, selected.pairs, opts, (pair, part) => {
      const tally = tallies.get(pair.name);
      if (!tally) throw new Error(`no tally for ${pair.name}`);
      return tally.take(part);
    });

    const tables: TableDiffResult[] = [];
    for (const pair of selected.pairs) {
      const tally = tallies.get(pair.name) as TableTally;
      const s = stats.get(pair.name);
      tables.push({
        table: pair.name,
        status: 'compared',
        identity: describeIdentity(pair.identity),
        ...tally.counts,
        changedColumns: tally.changedColumns,
        samples: tally.samples,
        drift: pair.drift,
        chunks: s?.chunks ?? 0,
        chunksSkipped: s?.chunksSkipped ?? 0,
        method: s?.method ?? 'client',
        methodNote: s?.methodNote ?? null,
        seconds: round(s?.seconds ?? 0),
      });
    }
    for (const t of selected.onlyInBackup) {
      tables.push(await oneSided(src.backupPool, opts.backup.schema, t, 'onlyInBackup'));
    }
    for (const t of selected.onlyInInterim) {
      tables.push(await oneSided(src.interimPool, opts.interim.schema, t, 'onlyInInterim'));
    }
    tables.sort((a, b) => Buffer.compare(Buffer.from(a.table), Buffer.from(b.table)));
    await Promise.all(writers.map((w) => w.close()));
    writers.length = 0;

    const sum = (f: (t: TableDiffResult) => number): number => tables.reduce((n, t) => n + f(t), 0);
    const doc: DiffDocument = {
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
    };
    opts.logger.info({ event: 'diff.done', ...doc.totals, seconds: doc.seconds }, 'diff done');
    return doc;
  } finally {
    await Promise.allSettled(writers.map((w) => w.close()));
    await src.close();
  }
}

async function makeOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
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
          WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'
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

/** A table only one side has: every row of it is only on that side. */
async function oneSided(
  pool: SessionPool,
  schema: string,
  t: TableInfo,
  status: 'onlyInBackup' | 'onlyInInterim',
): Promise<TableDiffResult> {
  const t0 = performance.now();
  const rows = await pool.run((s) =>
    s.rawRows(`SELECT COUNT(*) FROM ${quoteTable(schema, t.name)}`),
  );
  const count = Number(rows[0]?.[0]?.toString() ?? 0);
  return {
    table: t.name,
    status,
    identity: describeIdentity(t.identity),
    identical: 0,
    changed: 0,
    onlyBackup: status === 'onlyInBackup' ? count : 0,
    onlyInterim: status === 'onlyInInterim' ? count : 0,
    changedColumns: {},
    samples: { changed: [], onlyBackup: [], onlyInterim: [] },
    drift: null,
    chunks: 0,
    chunksSkipped: 0,
    method: 'count',
    methodNote: `table only in ${status === 'onlyInBackup' ? 'backup' : 'interim'}`,
    seconds: round((performance.now() - t0) / 1000),
  };
}

export function describeIdentity(id: RowIdentity): string {
  if (id.kind === 'none') return 'none (compared as a multiset)';
  if (id.kind === 'primary') return `primary key (${id.columns.join(', ')})`;
  return `unique key ${id.index} (${id.columns.join(', ')})`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
