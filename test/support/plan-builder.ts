/**
 * Builds plan folders directly from a list of actions, as `reconcile plan` would write them:
 * row hashes and before/after digests computed with the same hasher, action files with their
 * sha256, and the planId from plan-files.ts. Gives tests exact control over what apply runs
 * (for crash tests at a given batch, stale or edited plans, hand-made conflicts).
 *
 * Rows are given as cells (the plan's form: text, {hex} for bytes, null). Updates and deletes
 * read the target's current row at the key for their before-image unless one is given.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cellFromRaw, rawFromCell } from '../../src/cell/cell-codec.js';
import type { Row } from '../../src/cell/cells.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { Connection } from '../../src/db/types.js';
import { type DbTarget, describeTarget } from '../../src/db/url.js';
import { tableDigest } from '../../src/diff/table-digest.js';
import {
  type Digest,
  DigestAccumulator,
  DigestRowHasher,
  digestColumns,
} from '../../src/hash/digest.js';
import { hex64, loadHash64 } from '../../src/hash/xxhash.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { ColumnInfo, TableInfo } from '../../src/introspect/types.js';
import { ActionFileWriter, actionFileName } from '../../src/plan/action-file.js';
import type { PolicyRecord } from '../../src/plan/format.js';
import {
  ACTIONS_DIR,
  type Action,
  type ActionCounts,
  MANIFEST_FILE,
  PLAN_FORMAT_VERSION,
  type PlanManifest,
  type PlanTable,
  SQL_FILE,
} from '../../src/plan/format.js';
import { computePlanId, serializeManifest, sha256 } from '../../src/plan/plan-files.js';
import { placeholders } from '../../src/sql/bind.js';
import { keyValue } from '../../src/sql/values.js';
import { policyRecordOf } from './policy.js';

export type ActionSpec =
  | { op: 'insert'; row: Row; copyOf?: 'backup' | null; rule?: string }
  /** `set` changes some columns of the current row; `row` replaces it whole */
  | { op: 'update'; key: Row; set?: Row; row?: Row; before?: Row; rule?: string }
  | { op: 'delete'; key: Row; before?: Row; rule?: string }
  | { op: 'unresolved'; key: Row; reason: string };

export interface TableSpec {
  readonly table: string;
  /** streamed to the action file: a generator keeps a million actions out of memory */
  readonly actions: Iterable<ActionSpec> | AsyncIterable<ActionSpec>;
  readonly autoIncrement?: { column: string; next: string } | null;
  readonly policy?: Partial<PolicyRecord>;
  readonly triggers?: PlanTable['triggers'];
}

export interface BuildPlanInput {
  readonly dir: string;
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  /** default: the interim (an in-place merge) */
  readonly target?: DbTarget;
  readonly tables: readonly TableSpec[];
  /** write order, parents first; default: the order of `tables` */
  readonly order?: readonly string[];
  readonly needsAllowTriggers?: boolean;
}

export async function buildPlan(input: BuildPlanInput): Promise<PlanManifest> {
  const target = input.target ?? input.interim;
  const hash64 = await loadHash64();
  const conn = await connect(target);
  const pool = await SessionPool.open(1, () => connect(target), { snapshot: false });
  try {
    const live = await introspectSchema(
      conn,
      target.schema,
      input.tables.map((t) => t.table),
    );
    await rm(input.dir, { recursive: true, force: true });
    await mkdir(join(input.dir, ACTIONS_DIR), { recursive: true });
    const tables: PlanTable[] = [];
    let n = 0;
    for (const spec of input.tables) {
      const info = live.tables.get(spec.table);
      if (!info) throw new Error(`buildPlan: no table ${spec.table} in ${target.schema}`);
      const hasher = new DigestRowHasher(info, hash64);
      const columns = digestColumns(info);
      const key = info.identity.kind === 'none' ? [] : [...info.identity.columns];
      const hashOf = (row: Row): string =>
        hex64(hasher.hash(columns.map((c) => rawFromCell(row[c.name] ?? null))));
      const before = await tableDigest(pool, target.schema, info);
      const acc = new DigestAccumulator(before);
      const counts: ActionCounts = { insert: 0, update: 0, delete: 0, unresolved: 0, keep: 0 };
      const file = actionFileName(n++, spec.table);
      const out = new ActionFileWriter(join(input.dir, file));
      for await (const a of spec.actions) {
        const action = await toAction(conn, target.schema, info, columns, key, a, hashOf);
        if (action.op === 'copy') counts.insert += action.count;
        else counts[action.op]++;
        if (action.op === 'insert') acc.add(BigInt(`0x${action.hash}`));
        if (action.op === 'update') {
          acc.remove(BigInt(`0x${action.beforeHash}`));
          acc.add(BigInt(`0x${action.hash}`));
        }
        if (action.op === 'delete') acc.remove(BigInt(`0x${action.beforeHash}`));
        await out.write(action);
      }
      const written = await out.close();
      counts.keep = Number(before.count) - counts.update - counts.delete;
      tables.push({
        table: spec.table,
        file,
        fileSha256: written.sha256,
        lines: written.lines,
        key,
        columns: columns.map((c) => c.name),
        counts: { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0, collision: 0 },
        actions: counts,
        digestMethod: { kind: 'client', reason: 'built by the test' },
        digestBefore: before,
        digestAfter: acc.toDigest(),
        autoIncrement: spec.autoIncrement ?? null,
        triggers: spec.triggers ?? [],
        policy: policyRecordOf(spec.policy),
        drift: null,
        notes: [],
        warnings: [],
      });
    }
    const source = (t: DbTarget) => ({
      url: describeTarget(t),
      schema: t.schema,
      server: conn.server.version,
    });
    const sum = (f: (t: PlanTable) => number): number => tables.reduce((x, t) => x + f(t), 0);
    const unresolved = sum((t) => t.actions.unresolved);
    const body: Omit<PlanManifest, 'planId'> = {
      formatVersion: PLAN_FORMAT_VERSION,
      configHash: sha256('test plan'),
      sources: {
        backup: source(input.backup),
        interim: source(input.interim),
        target: source(target),
      },
      inPlace: target.schema === input.interim.schema,
      schemaFingerprints: { backup: 'test', interim: 'test', target: 'test' },
      incident: { start: null },
      order: input.order ?? input.tables.map((t) => t.table),
      tables,
      remaps: [],
      unresolved,
      needsAllowTriggers: input.needsAllowTriggers ?? false,
      skipped: [],
      totals: {
        identical: 0,
        changed: 0,
        onlyBackup: 0,
        onlyInterim: 0,
        collision: 0,
        insert: sum((t) => t.actions.insert),
        update: sum((t) => t.actions.update),
        delete: sum((t) => t.actions.delete),
        unresolved,
        keep: sum((t) => t.actions.keep),
      },
    };
    const manifest: PlanManifest = { ...body, planId: computePlanId(body) };
    await writeFile(join(input.dir, MANIFEST_FILE), serializeManifest(manifest));
    await writeFile(join(input.dir, SQL_FILE), '-- built by the test plan builder\n');
    return manifest;
  } finally {
    await pool.close();
    await conn.close();
  }
}

async function toAction(
  conn: Connection,
  schema: string,
  info: TableInfo,
  columns: readonly ColumnInfo[],
  key: readonly string[],
  a: ActionSpec,
  hashOf: (row: Row) => string,
): Promise<Action> {
  const pick = (row: Row): Row => Object.fromEntries(key.map((k) => [k, row[k] ?? null]));
  switch (a.op) {
    case 'insert':
      return {
        op: 'insert',
        rule: a.rule ?? 'test',
        key: pick(a.row),
        row: a.row,
        copyOf: a.copyOf ?? null,
        hash: hashOf(a.row),
      };
    case 'update': {
      const before = a.before ?? (await currentRow(conn, schema, info, columns, a.key));
      const row = a.row ?? { ...before, ...(a.set ?? {}) };
      return {
        op: 'update',
        rule: a.rule ?? 'test',
        key: a.key,
        row,
        before,
        hash: hashOf(row),
        beforeHash: hashOf(before),
        columns: columns
          .filter((c) => JSON.stringify(row[c.name]) !== JSON.stringify(before[c.name]))
          .map((c) => c.name),
      };
    }
    case 'delete': {
      const before = a.before ?? (await currentRow(conn, schema, info, columns, a.key));
      return {
        op: 'delete',
        rule: a.rule ?? 'test',
        key: a.key,
        before,
        beforeHash: hashOf(before),
      };
    }
    case 'unresolved':
      return {
        op: 'unresolved',
        rule: 'test',
        key: a.key,
        reason: a.reason,
        backup: null,
        interim: null,
      };
  }
}

/** The target's row at `key`, as cells. */
export async function currentRow(
  conn: Connection,
  schema: string,
  info: TableInfo,
  columns: readonly ColumnInfo[],
  key: Row,
): Promise<Row> {
  const names = Object.keys(key);
  const b = placeholders();
  const where = names
    .map((k) => {
      const c = info.columns.find((x) => x.name === k);
      if (!c) throw new Error(`no column ${k} in ${info.name}`);
      return `${quoteId(k)} = ${keyValue(c, key[k] ?? null, b)}`;
    })
    .join(' AND ');
  const rows = await conn.rawRows(
    `SELECT ${columns.map((c) => quoteId(c.name)).join(', ')} FROM ${quoteTable(schema, info.name)} WHERE ${where}`,
    b.params,
  );
  const r = rows[0];
  if (!r) throw new Error(`no row at ${JSON.stringify(key)} in ${info.name}`);
  return Object.fromEntries(columns.map((c, i) => [c.name, cellFromRaw(c.family, r[i] ?? null)]));
}

/** Every base table's digest in a schema (journal excluded), for "target unchanged" checks. */
export async function schemaDigests(t: DbTarget): Promise<Record<string, Digest>> {
  const conn = await connect(t);
  const pool = await SessionPool.open(2, () => connect(t), { snapshot: true });
  try {
    const s = await introspectSchema(conn, t.schema);
    const out: Record<string, Digest> = {};
    for (const info of s.tables.values()) {
      if (info.name === '_reconcile_journal') continue;
      out[info.name] = await tableDigest(pool, t.schema, info);
    }
    return out;
  } finally {
    await pool.close();
    await conn.close();
  }
}

/** The plan's before (or after) digests, by table. */
export function planDigests(m: PlanManifest, which: 'before' | 'after'): Record<string, Digest> {
  return Object.fromEntries(
    m.tables.map((t) => [t.table, which === 'before' ? t.digestBefore : t.digestAfter]),
  );
}

/** Every row of a table as cells (stored columns), in the server's order of the given ORDER BY. */
export async function tableRows(t: DbTarget, table: string, orderBy = '1'): Promise<Row[]> {
  const conn = await connect(t);
  try {
    const s = await introspectSchema(conn, t.schema, [table]);
    const info = s.tables.get(table);
    if (!info) throw new Error(`no table ${table} in ${t.schema}`);
    const columns = digestColumns(info);
    const rows = await conn.rawRows(
      `SELECT ${columns.map((c) => quoteId(c.name)).join(', ')} FROM ${quoteTable(t.schema, table)} ORDER BY ${orderBy}`,
    );
    return rows.map((r) =>
      Object.fromEntries(columns.map((c, i) => [c.name, cellFromRaw(c.family, r[i] ?? null)])),
    );
  } finally {
    await conn.close();
  }
}
