import { readAutoIncrement } from '../apply/auto-increment.js';
import { DIGEST_CONCURRENCY, digestsWithSpansOn, openSnapshotPool } from '../apply/digests.js';
import { type JournalStatus, journalStatus, readDeferred, readJournal } from '../apply/journal.js';
import { narrowCopy } from '../apply/live-rows.js';
import type { PlanSession } from '../apply/plan-session.js';
import type { TableRun } from '../apply/plan-tables.js';
import { cellFromRaw } from '../cell/cell-codec.js';
import type { Cell, Row } from '../cell/cells.js';
import type { SessionPool } from '../db/session-pool.js';
import type { RawRow, Session } from '../db/types.js';
import { parseDbUrl, sameAddress, withSchema } from '../db/url.js';
import { type KeySpan, rowDigestHasher } from '../diff/table-digest.js';
import { type Digest, digestEquals } from '../hash/digest.js';
import { type Hash64, loadHash64 } from '../hash/xxhash.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { SchemaInfo, TableInfo } from '../introspect/types.js';
import type { Action } from '../plan/format.js';
import {
  findDuplicates,
  findOrphans,
  islandsFit,
  islandsFromSpans,
  orphansByJoin,
  orphansOutside,
  uniqueKeysToCheck,
} from './integrity.js';
import { configReferences, maxQuery, type Reference } from './integrity-sql.js';
import { findMismatchKeys, type MismatchKeys } from './mismatch-keys.js';

export interface OrphanResult {
  readonly reference: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** `parent(col, ...)` */
  readonly references: string;
  readonly count: number;
  readonly sample: readonly (readonly Cell[])[];
}

export interface DuplicateResult {
  readonly index: string;
  readonly columns: readonly string[];
  /** values held by more than one row (up to 5), with how many rows hold each */
  readonly sample: readonly { readonly values: readonly Cell[]; readonly rows: number }[];
}

export interface TableVerdict {
  readonly table: string;
  /** the plan's key columns ([] for a table without a key or outside the plan) */
  readonly keyColumns: readonly string[];
  readonly status: 'ok' | 'mismatch';
  readonly digest: { readonly ok: boolean; readonly expected: Digest; readonly actual: Digest };
  /** references from this table's rows that find no parent (only those that fail) */
  readonly orphans: readonly OrphanResult[];
  /** unique keys held twice (only those that fail) */
  readonly duplicates: readonly DuplicateResult[];
  /** the AUTO_INCREMENT counter: past every id, and at least what the plan asks (if it does) */
  readonly autoIncrement: {
    readonly ok: boolean;
    readonly column: string;
    readonly atLeast: string | null;
    readonly actual: string | null;
    readonly max: string | null;
  } | null;
  readonly problems: readonly string[];
  /**
   * when the digest does not match: which keys differ from what the plan wrote (up to
   * MISMATCH_KEYS_SHOWN, with the count of all found); null when the digest matches. With
   * --live: always looked for, and each is a row the application changed after the apply
   * wrote it (counted and listed, not a failure)
   */
  readonly keys: MismatchKeys | null;
  /** --live: actions a live apply deferred in this table (conflicts.jsonl), not checked */
  readonly deferred?: number;
}

export interface VerifyReport {
  readonly planId: string;
  readonly target: string;
  /**
   * --live: the target kept serving. Rows the plan wrote that differ now are the application's
   * later writes (listed per table, not failures); what fails is an orphaned reference, a
   * unique key held twice, or AUTO_INCREMENT behind an id. Digests are reported, not required.
   */
  readonly live: boolean;
  /** --live: rows the plan wrote that the application changed since (all tables) */
  readonly changedSince: number;
  /** --live: actions live applies deferred (plan --refresh decides them) */
  readonly deferred: number;
  readonly ok: boolean;
  readonly journal: JournalStatus;
  readonly tables: readonly TableVerdict[];
  readonly totals: { readonly tables: number; readonly ok: number; readonly mismatch: number };
  readonly checks: { readonly references: number; readonly uniqueKeys: number };
  readonly seconds: number;
}

/**
 * `reconcile verify`: the target's digests must be the plan's *after* digests, no reference
 * (declared foreign key, or `references` the plan's policy records) may point at a missing
 * parent, no unique key may be held twice, and AUTO_INCREMENT must be past every id.
 * Foreign keys from other tables into the plan's tables are checked too: a delete could orphan them.
 */
export async function verifyPlan(
  ps: PlanSession,
  opts: { readonly live?: boolean } = {},
): Promise<VerifyReport> {
  const t0 = performance.now();
  const live = opts.live === true;
  const { conn, runs, manifest } = ps;
  const deferred = live ? await deferredByTable(ps) : new Map<string, DeferredIndex>();
  const planTables = new Set(runs.map((r) => r.plan.table));
  const schema = await introspectSchema(conn, ps.schema);
  const refs = referencesToCheck(ps, schema, planTables);
  const { actual, checks, counts } = await readTarget(ps, schema, refs);
  const journal = journalStatus(await readJournal(conn, ps.schema, manifest.planId));
  const backup = backupSchemaHere(ps);
  let loaded: Hash64 | null = null;
  const hash64 = async (): Promise<Hash64> => {
    loaded ??= await loadHash64();
    return loaded;
  };
  const c: VerifyContext = {
    ps,
    schema,
    refs,
    checks,
    actual,
    deferred,
    live,
    backup,
    hash64,
  };
  const verdicts: TableVerdict[] = [];
  const extra = [...refs.keys()].filter((t) => !planTables.has(t)).sort();
  for (const name of [...runs.map((r) => r.plan.table), ...extra]) {
    const v = await verifyTable(c, name);
    if (v) verdicts.push(v);
  }
  const mismatch = verdicts.filter((v) => v.status === 'mismatch').length;
  return {
    planId: manifest.planId,
    target: ps.where,
    live,
    changedSince: live ? verdicts.reduce((n, v) => n + (v.keys?.found ?? 0), 0) : 0,
    deferred: [...deferred.values()].reduce((n, d) => n + d.count, 0),
    ok: mismatch === 0,
    journal,
    tables: verdicts,
    totals: { tables: verdicts.length, ok: verdicts.length - mismatch, mismatch },
    checks: counts,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** What checking one table needs: the target as read at the start, and the checks counted. */
interface VerifyContext {
  readonly ps: PlanSession;
  readonly schema: SchemaInfo;
  /** the references to check, by the table holding them */
  readonly refs: ReadonlyMap<string, readonly Reference[]>;
  /** the target's digests */
  readonly actual: ReadonlyMap<string, Digest>;
  readonly deferred: ReadonlyMap<string, DeferredIndex>;
  readonly live: boolean;
  /** the backup's schema when it is on the target's server */
  readonly backup: string | null;
  readonly hash64: () => Promise<Hash64>;
  /** the orphans and duplicates found, by table (only tables with either) */
  readonly checks: ReadonlyMap<string, TableChecks>;
}

/** What the integrity checks found in one table. */
interface TableChecks {
  readonly orphans: OrphanResult[];
  readonly duplicates: DuplicateResult[];
}

/**
 * The target's digests and its integrity checks, read at once over one pool of connections
 * on one consistent snapshot: the checks and the digests see the same target, and the
 * checks (independent reads) run beside the digests' pieces.
 */
async function readTarget(
  ps: PlanSession,
  schema: SchemaInfo,
  refs: ReadonlyMap<string, readonly Reference[]>,
): Promise<{
  actual: Map<string, Digest>;
  checks: Map<string, TableChecks>;
  counts: { references: number; uniqueKeys: number };
}> {
  const target = withSchema(ps.server, ps.schema);
  const pool = await openSnapshotPool(target, ps.logger, DIGEST_CONCURRENCY);
  try {
    // The checks first: each takes a connection as one comes free, the digests' pieces after.
    const parents = spanParents(ps, schema, refs);
    const digesting = digestsWithSpansOn(pool, ps.schema, ps.runs, parents);
    const spans = digesting.then((d) => d.spans);
    // (a failed digest is reported by `digesting`; a check need not wait for it to hear of it)
    spans.catch(() => undefined);
    const checking = integrityChecks(pool, ps, schema, refs, { parents, spans });
    const [checked, read] = await Promise.all([checking, digesting]);
    return { actual: read.digests, ...checked };
  } finally {
    await pool.close();
  }
}

/**
 * The plan's tables whose digest pieces can give the islands of a parent key checks need: a
 * reference fit for islands (islandsFit) to a table whose row identity is that one column (so
 * no value repeats or is NULL), summed by the server.
 */
function spanParents(
  ps: PlanSession,
  schema: SchemaInfo,
  refs: ReadonlyMap<string, readonly Reference[]>,
): Set<string> {
  const out = new Set<string>();
  for (const r of [...refs.values()].flat()) {
    const run = ps.runs.find((x) => x.plan.table === r.refTable);
    if (!run || !islandsFit(r, schema) || run.plan.digestMethod.kind !== 'server') continue;
    const id = run.info.identity;
    if (id.kind !== 'none' && id.columns.length === 1 && id.columns[0] === r.refColumns[0])
      out.add(r.refTable);
  }
  return out;
}

/**
 * Every reference in `refs` checked for orphans, and every unique key of the plan's tables
 * (uniqueKeysToCheck) for duplicates, all at once over `pool`. Results keep the order of
 * the references and keys.
 */
async function integrityChecks(
  pool: SessionPool,
  ps: PlanSession,
  schema: SchemaInfo,
  refs: ReadonlyMap<string, readonly Reference[]>,
  spans: {
    /** the parents whose islands come from their digests' pieces */
    readonly parents: ReadonlySet<string>;
    readonly spans: Promise<ReadonlyMap<string, readonly KeySpan[]>>;
  },
): Promise<{
  checks: Map<string, TableChecks>;
  counts: { references: number; uniqueKeys: number };
}> {
  const checks = new Map<string, TableChecks>();
  const at = (table: string): TableChecks => {
    const c = checks.get(table) ?? { orphans: [], duplicates: [] };
    checks.set(table, c);
    return c;
  };
  const all = [...refs.values()].flat();
  const keys = ps.runs.flatMap((r) => {
    const t = schema.tables.get(r.plan.table);
    return t ? uniqueKeysToCheck(t).map((k) => ({ t, k })) : [];
  });
  // A reference whose parent's digest gives its islands waits for that digest.
  const orphans = all.map(async (r) => {
    const fromSpans = spans.parents.has(r.refTable) && islandsFit(r, schema);
    const parent = fromSpans ? (await spans.spans).get(r.refTable) : undefined;
    return pool.run((s) => orphansOf(s, schema, r, parent));
  });
  const dups = keys.map(({ t, k }) =>
    pool.run((s) => duplicatesOf(s, ps.schema, t, k.name, k.columns)),
  );
  // Awaited together: a failure then leaves no other check's promise unobserved.
  const [orphaned, duplicated] = await Promise.all([Promise.all(orphans), Promise.all(dups)]);
  for (const o of orphaned) if (o.count > 0) at(o.table).orphans.push(o);
  for (const [i, d] of duplicated.entries()) {
    const table = keys[i]?.t.name;
    if (table !== undefined && d.sample.length > 0) at(table).duplicates.push(d);
  }
  return { checks, counts: { references: all.length, uniqueKeys: keys.length } };
}

/**
 * The references verify checks, by the table that holds them: the declared foreign keys of the
 * plan's tables, those of other tables into the plan's tables (a delete could orphan them), and
 * the `references` the plan's policy records.
 */
function referencesToCheck(
  ps: PlanSession,
  schema: SchemaInfo,
  planTables: ReadonlySet<string>,
): Map<string, Reference[]> {
  const refs = new Map<string, Reference[]>();
  const addRef = (r: Reference): void => {
    const list = refs.get(r.table) ?? [];
    list.push(r);
    refs.set(r.table, list);
  };
  for (const t of schema.tables.values()) {
    for (const fk of t.foreignKeys) {
      if (!planTables.has(t.name) && !(fk.refSchema === ps.schema && planTables.has(fk.refTable)))
        continue;
      addRef({ ...fk, schema: ps.schema, table: t.name });
    }
  }
  for (const r of ps.runs) {
    const p = r.plan.policy;
    for (const ref of configReferences(ps.schema, r.plan.table, p.references, p.jsonReferences))
      addRef(ref);
  }
  return refs;
}

/**
 * One table's verdict: its digest against the plan's after digest (and, where they differ,
 * the keys that do), its references, its unique keys, its AUTO_INCREMENT counter. Null for a
 * table outside the plan whose references into the plan's tables all hold.
 */
async function verifyTable(c: VerifyContext, name: string): Promise<TableVerdict | null> {
  const { ps, live } = c;
  const run = ps.runs.find((r) => r.plan.table === name);
  const info = c.schema.tables.get(name);
  const found = c.checks.get(name);
  const orphans = found?.orphans ?? [];
  const duplicates = run && info ? (found?.duplicates ?? []) : [];
  const expected = run?.plan.digestAfter;
  const got = c.actual.get(name);
  const digest =
    expected && got ? { ok: digestEquals(expected, got), expected, actual: got } : null;
  // Only a table whose digest differs is read again, key by key: a match costs nothing more.
  // Live: every table is, its deferred actions passed over.
  const skip = c.deferred.get(name);
  const keys = run && digest && (!digest.ok || live) ? await keysThatDiffer(c, run, skip) : null;
  const autoIncrement = run ? await autoIncrementOf(c, run) : null;
  const bad =
    (digest !== null && !digest.ok && !live) ||
    orphans.length > 0 ||
    duplicates.length > 0 ||
    (autoIncrement !== null && !autoIncrement.ok);
  // A table outside the plan, checked only for references into the plan's tables.
  if (!digest && orphans.length === 0) return null;
  return {
    table: name,
    keyColumns: run?.plan.key ?? [],
    status: bad ? 'mismatch' : 'ok',
    digest: digest ?? {
      ok: true,
      expected: { count: '-', sum: '-' },
      actual: { count: '-', sum: '-' },
    },
    orphans,
    duplicates,
    autoIncrement,
    // Plan content verify cannot use; none since plan format 2 (typed references).
    problems: [],
    keys,
    ...(live ? { deferred: skip?.count ?? 0 } : {}),
  };
}

/** The keys of a plan table whose rows differ from what the plan wrote. */
async function keysThatDiffer(
  c: VerifyContext,
  run: TableRun,
  skip: DeferredIndex | undefined,
): Promise<MismatchKeys> {
  const hash64 = await c.hash64();
  return findMismatchKeys(
    c.ps.conn,
    c.ps.dir,
    run,
    hash64,
    c.backup,
    c.live ? liveOnly(c.ps, run, skip, c.backup, await c.hash64()) : undefined,
  );
}

/** A plan table's AUTO_INCREMENT check (null: the table has no such column). */
async function autoIncrementOf(
  c: VerifyContext,
  run: TableRun,
): Promise<TableVerdict['autoIncrement']> {
  const column =
    run.plan.autoIncrement?.column ?? run.info.columns.find((x) => x.autoIncrement)?.name;
  if (!column) return null;
  const atLeast = run.plan.autoIncrement?.next ?? null;
  return checkAutoIncrement(c.ps.conn, c.ps.schema, run.plan.table, column, atLeast);
}

/** A table's deferred actions: per action index, the keys deferred (a copy's may be some). */
interface DeferredIndex {
  readonly byIndex: Map<number, { op: string; keys: Row[] }>;
  readonly count: number;
}

async function deferredByTable(ps: PlanSession): Promise<Map<string, DeferredIndex>> {
  const out = new Map<
    string,
    { byIndex: Map<number, { op: string; keys: Row[] }>; count: number }
  >();
  for (const b of await readDeferred(ps.conn, ps.schema, ps.manifest.planId)) {
    const t = out.get(b.table) ?? { byIndex: new Map(), count: 0 };
    for (const d of b.deferred) {
      const at = t.byIndex.get(d.index) ?? { op: d.op, keys: [] };
      at.keys.push(d.key);
      t.byIndex.set(d.index, at);
      t.count++;
    }
    out.set(b.table, t);
  }
  return out;
}

/**
 * verify --live: an action a live apply deferred is not checked; a copy action with some keys
 * deferred is checked without them (its count and sum less the backup's rows there), when the
 * backup is readable here (else not checked).
 */
function liveOnly(
  ps: PlanSession,
  run: TableRun,
  skip: DeferredIndex | undefined,
  backup: string | null,
  hash64: Hash64,
): (index: number, a: Action) => Promise<Action | null> {
  return async (index, a) => {
    const d = skip?.byIndex.get(index);
    if (!d) return a;
    if (a.op !== 'copy' || backup === null) return null;
    return narrowCopy(
      {
        session: ps.conn,
        shape: run.shape,
        restore: { kind: 'same-server', schema: backup },
        check: {
          method: run.plan.digestMethod,
          hasher: rowDigestHasher(run.info, run.plan.digestMethod, hash64),
        },
      },
      a,
      d.keys,
    );
  };
}

/** The backup's schema when it is on the target's server (one session reads both), else null. */
function backupSchemaHere(ps: PlanSession): string | null {
  const b = ps.manifest.sources.backup;
  try {
    return sameAddress(parseDbUrl(b.url, 'plan.json sources.backup.url'), ps.server)
      ? b.schema
      : null;
  } catch {
    // A URL this machine cannot resolve (an option file it lacks): not the same server here.
    return null;
  }
}

function cellsOf(t: TableInfo | undefined, columns: readonly string[], row: RawRow): Cell[] {
  return columns.map((c, i) => {
    const family = t?.columns.find((x) => x.name === c)?.family ?? 'text';
    return cellFromRaw(family, row[i] ?? null);
  });
}

async function orphansOf(
  s: Session,
  schema: SchemaInfo,
  r: Reference,
  spans: readonly KeySpan[] | undefined,
): Promise<OrphanResult> {
  const islands = spans
    ? await islandsFromSpans(s, r.refSchema, r.refTable, r.refColumns[0] ?? '', spans)
    : null;
  const found = islands
    ? await orphansOutside(s, r, islands)
    : spans
      ? await orphansByJoin(s, r)
      : await findOrphans(s, r, islandsFit(r, schema));
  const parent = r.refSchema === r.schema ? r.refTable : `${r.refSchema}.${r.refTable}`;
  return {
    reference: r.name,
    table: r.table,
    columns: r.columns,
    references: `${parent}(${r.refColumns.join(', ')})`,
    count: found.count,
    sample: found.sample.map((row) => cellsOf(schema.tables.get(r.table), r.columns, row)),
  };
}

async function duplicatesOf(
  s: Session,
  schema: string,
  t: TableInfo,
  index: string,
  columns: readonly string[],
): Promise<DuplicateResult> {
  const rows = await findDuplicates(s, schema, t.name, columns);
  return {
    index,
    columns,
    sample: rows.map((row) => ({
      values: cellsOf(t, columns, row),
      rows: Number(row[columns.length]?.toString() ?? 0),
    })),
  };
}

async function checkAutoIncrement(
  s: Session,
  schema: string,
  table: string,
  column: string,
  atLeast: string | null,
): Promise<NonNullable<TableVerdict['autoIncrement']>> {
  const actual = await readAutoIncrement(s, schema, table);
  const maxRow = (await s.rawRows(maxQuery(schema, table, column)))[0];
  const max = maxRow?.[0] ? maxRow[0].toString() : null;
  const big = (x: string | null): bigint | null =>
    x !== null && /^-?\d+$/.test(x) ? BigInt(x) : null;
  const a = big(actual);
  const m = big(max);
  const ok = a !== null && (atLeast === null || a >= BigInt(atLeast)) && (m === null || a > m);
  return { ok, column, atLeast, actual, max };
}
