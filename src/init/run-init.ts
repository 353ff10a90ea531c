import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { IncidentStart } from '../config/incident-time.js';
import { connect } from '../db/mysql.js';
import { SessionPool } from '../db/session-pool.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { noProgress, type Progress } from '../diff/progress.js';
import { UsageError } from '../errors.js';
import { columnKey, compareNames, compareSchemas, type TablePair } from '../introspect/compare.js';
import { introspectSchema } from '../introspect/introspect.js';
import {
  findReferenceCandidates,
  type ReferenceCandidate,
} from '../introspect/reference-candidates.js';
import type { SchemaInfo } from '../introspect/types.js';
import { TimeBudget } from './bounded-query.js';
import type { InitDocument, InitSettings, InitTotals, TableProposals } from './proposal-types.js';
import { oneSidedTable, proposeTable } from './propose-table.js';

export interface InitOptions {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly incident: IncidentStart | null;
  /** only propose for these tables (parents may be any table) */
  readonly tables: readonly string[] | null;
  readonly settings: InitSettings;
  /** tables measured at once, each holding one connection per side */
  readonly concurrency: number;
  readonly logger: Logger;
  readonly progress?: Progress;
}

/**
 * `reconcile init`: reads both schemas in consistent snapshots (reads only) and proposes a
 * config, every proposal with its evidence. The measurements run on the servers, bounded per
 * table by rows, values and time.
 */
export async function runInit(opts: InitOptions): Promise<InitDocument> {
  const t0 = performance.now();
  const open = (t: DbTarget): Promise<SessionPool> =>
    SessionPool.open(opts.concurrency, () => connect(t, { logger: opts.logger }), {
      snapshot: true,
    });
  const [bp, ip] = await Promise.allSettled([open(opts.backup), open(opts.interim)]);
  if (bp.status === 'rejected' || ip.status === 'rejected') {
    for (const r of [bp, ip]) if (r.status === 'fulfilled') await r.value.close();
    throw bp.status === 'rejected' ? bp.reason : ip.status === 'rejected' ? ip.reason : null;
  }
  const pools = { backup: bp.value, interim: ip.value };
  try {
    const [bs, is] = await Promise.all([
      introspectSchema(pools.backup.primary, opts.backup.schema),
      introspectSchema(pools.interim.primary, opts.interim.schema),
    ]);
    checkTables(opts.tables, bs, is);
    const tables = await proposeAll(opts, pools, bs, is);
    const doc: InitDocument = {
      backup: describeTarget(opts.backup),
      interim: describeTarget(opts.interim),
      servers: {
        backup: pools.backup.primary.server.version,
        interim: pools.interim.primary.server.version,
      },
      incidentStart: opts.incident?.iso ?? null,
      settings: opts.settings,
      tables,
      totals: totalsOf(tables),
      seconds: Math.round(performance.now() - t0) / 1000,
    };
    opts.logger.info({ event: 'init.done', ...doc.totals, seconds: doc.seconds }, 'init done');
    return doc;
  } finally {
    await Promise.allSettled([pools.backup.close(), pools.interim.close()]);
  }
}

function checkTables(only: readonly string[] | null, bs: SchemaInfo, is: SchemaInfo): void {
  const missing = (only ?? []).filter((t) => !bs.tables.has(t) && !is.tables.has(t));
  if (missing.length > 0) {
    throw new UsageError(
      `--tables: no table ${missing.map((m) => JSON.stringify(m)).join(', ')} in ${bs.schema} or ${is.schema}`,
    );
  }
}

async function proposeAll(
  opts: InitOptions,
  pools: { backup: SessionPool; interim: SessionPool },
  bs: SchemaInfo,
  is: SchemaInfo,
): Promise<TableProposals[]> {
  const progress = opts.progress ?? noProgress;
  const wanted = (name: string): boolean => opts.tables === null || opts.tables.includes(name);
  const comparison = compareSchemas(bs, is);
  const candidates = referenceCandidates(bs, is, opts.tables);
  const limit = pLimit(Math.max(1, opts.concurrency));
  const measured = comparison.pairs.filter((p) => wanted(p.name));
  const proposed = await Promise.all(
    measured.map((pair) =>
      limit(async () => {
        const own = candidates.filter((c) => c.table === pair.name && onBothSides(pair, c));
        // Progress counts measurements (a few per candidate); the total is an estimate.
        progress.tableStarted(pair.name, own.length + pair.columns.length + 2);
        const [b, i] = [await pools.backup.lease(), await pools.interim.lease()];
        try {
          const ctx = {
            backup: b.session,
            interim: i.session,
            backupSchema: opts.backup.schema,
            interimSchema: opts.interim.schema,
            budget: new TimeBudget(opts.settings.secondsPerTable),
            incident: opts.incident,
            sampleRows: opts.settings.sampleRows,
            sampleValues: opts.settings.sampleValues,
            sampleDocuments: opts.settings.sampleDocuments,
            tick: () => progress.rowsDone(pair.name, 1),
          };
          const t = await proposeTable(ctx, bs, pair, own, opts.settings.minInclusion);
          opts.logger.debug({ event: 'init.table', table: pair.name }, 'table proposed');
          return t;
        } finally {
          b.release();
          i.release();
          progress.tableDone(pair.name);
        }
      }),
    ),
  );
  const oneSided = [
    ...comparison.onlyInBackup.filter((t) => wanted(t.name)).map((t) => oneSidedTable(t, 'backup')),
    ...comparison.onlyInInterim
      .filter((t) => wanted(t.name))
      .map((t) => oneSidedTable(t, 'interim')),
  ];
  return [...proposed, ...oneSided].sort((a, b) => compareNames(a.table, b.table));
}

/**
 * The backup's candidates, with the foreign keys the interim declares (a rebuilt interim may
 * declare some the backup lacks, or the other way round) counted as declared too.
 */
function referenceCandidates(
  bs: SchemaInfo,
  is: SchemaInfo,
  only: readonly string[] | null,
): ReferenceCandidate[] {
  const options = only ? { tables: only } : {};
  const fromBackup = findReferenceCandidates(bs, options);
  const interimDeclared = findReferenceCandidates(is, options).filter((c) => c.rule === 'declared');
  const id = (c: ReferenceCandidate): string =>
    `${c.table}\u0000${c.columns.map(columnKey).join(',')}\u0000${c.parent}`;
  const declaredIds = new Set(fromBackup.filter((c) => c.rule === 'declared').map(id));
  const byInterim = new Map(interimDeclared.map((c) => [id(c), c]));
  const out = fromBackup.map((c) => (c.rule !== 'declared' && byInterim.get(id(c))) || c);
  for (const c of interimDeclared) {
    if (!declaredIds.has(id(c)) && !out.includes(c)) out.push(c);
  }
  return out;
}

function onBothSides(pair: TablePair, c: ReferenceCandidate): boolean {
  const common = new Set(pair.columns.map((x) => columnKey(x.name)));
  return c.columns.every((col) => common.has(columnKey(col)));
}

function totalsOf(tables: readonly TableProposals[]): InitTotals {
  const refs = tables.flatMap((t) => t.references);
  const json = tables.flatMap((t) => t.jsonReferences);
  return {
    tables: tables.length,
    declaredReferences: refs.filter((r) => r.rule === 'declared').length,
    referencesEnabled: refs.filter((r) => r.enabled).length,
    referencesCommented: refs.filter((r) => !r.enabled && r.rule !== 'declared').length,
    jsonReferencesEnabled: json.filter((r) => r.enabled).length,
    jsonReferencesCommented: json.filter((r) => !r.enabled).length,
    createdAtEnabled: tables.filter((t) => t.createdAt.some((c) => c.enabled)).length,
    tablesWithCollisions: tables.filter(
      (t) => t.collisions?.kind === 'measured' && t.collisions.value.collisions > 0,
    ).length,
  };
}
