/**
 * What a live run (`apply --execute --live`) carries from batch to batch: which references a
 * deferral must follow, the parents deferred so far (rebuilt from the journal on a resume),
 * the throttle, and the plan folder's `conflicts.jsonl`, rewritten from the journal at the end
 * of every run (the journal is the record; the file is its readable copy).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Row } from '../cell/cells.js';
import type { Session } from '../db/types.js';
import { DigestRowHasher } from '../hash/digest.js';
import type { Hash64 } from '../hash/xxhash.js';
import type { PlanManifest } from '../plan/format.js';
import { readActions } from '../plan/plan-files.js';
import { readDeferred } from './journal.js';
import {
  cellHex,
  type Deferred,
  DeferredParents,
  keyHex,
  type LiveChild,
  type LiveReference,
} from './live-rows.js';
import type { TableRun } from './plan-tables.js';

export const CONFLICTS_FILE = 'conflicts.jsonl';

/**
 * Per table, the single-column references to a planned table's single-column key: declared
 * foreign keys and the config's `references`. A row referencing a deferred parent is deferred.
 * (References into JSON documents and composite ones are not followed by deferrals: verify
 * --live finds what they leave orphaned.)
 */
export function liveReferences(runs: readonly TableRun[]): Map<string, LiveReference[]> {
  const keyOf = new Map(
    runs.filter((r) => r.plan.key.length === 1).map((r) => [r.plan.table, r.plan.key[0]]),
  );
  const out = new Map<string, LiveReference[]>();
  for (const r of runs) {
    const refs: LiveReference[] = [];
    const add = (column: string, parent: string, refColumn: string): void => {
      if (keyOf.get(parent)?.toLowerCase() !== refColumn.toLowerCase()) return;
      if (refs.some((x) => x.column === column && x.parent === parent)) return;
      refs.push({ column, parent });
    };
    for (const fk of r.info.foreignKeys) {
      const [column] = fk.columns;
      const [refColumn] = fk.refColumns;
      if (fk.columns.length === 1 && column && refColumn) add(column, fk.refTable, refColumn);
    }
    for (const ref of r.plan.policy.references) add(ref.column, ref.table, ref.refColumn);
    out.set(r.plan.table, refs);
  }
  return out;
}

/**
 * Per table whose rows the plan moves (an interim row remapped to a fresh id), the tables that
 * reference it and, for each, the rows whose reference the plan rewrites (read from their
 * action files once, before the first batch): a move is deferred when other rows reference the
 * row (live-rows.ts `referencedByOthers`).
 */
export async function liveChildren(
  dir: string,
  manifest: PlanManifest,
  runs: readonly TableRun[],
  references: ReadonlyMap<string, readonly LiveReference[]>,
  hash64: Hash64,
): Promise<Map<string, LiveChild[]>> {
  const moved = new Set(
    manifest.remaps.filter((m) => m.side === 'interim' && m.count > 0).map((m) => m.table),
  );
  const out = new Map<string, LiveChild[]>();
  for (const c of runs) {
    for (const ref of references.get(c.plan.table) ?? []) {
      if (!moved.has(ref.parent) || c.shape.key.length === 0) continue;
      const col = ref.column.toLowerCase();
      const rewires = new Map<string, Set<string>>();
      for await (const a of readActions(dir, c.plan.file)) {
        if (a.op !== 'update' || !a.columns.some((x) => x.toLowerCase() === col)) continue;
        const name = Object.keys(a.before).find((k) => k.toLowerCase() === col) ?? ref.column;
        const parent = cellHex(a.before[name] ?? null);
        const set = rewires.get(parent) ?? new Set<string>();
        set.add(keyHex(c.shape, a.key));
        rewires.set(parent, set);
      }
      const list = out.get(ref.parent) ?? [];
      list.push({
        shape: c.shape,
        column: ref.column,
        rewires,
        hasher: new DigestRowHasher(c.info, hash64),
      });
      out.set(ref.parent, list);
    }
  }
  return out;
}

/** The parents earlier runs of this plan deferred, from the journal. */
export async function deferredSoFar(
  s: Session,
  schema: string,
  planId: string,
  runs: readonly TableRun[],
): Promise<{ parents: DeferredParents; count: number }> {
  const parents = new DeferredParents();
  const shapes = new Map(runs.map((r) => [r.plan.table, r.shape]));
  let count = 0;
  for (const b of await readDeferred(s, schema, planId)) {
    const sh = shapes.get(b.table);
    for (const d of b.deferred) {
      count++;
      if (sh) parents.record(b.table, sh, d);
    }
  }
  return { parents, count };
}

/**
 * The keys live runs of a plan deferred, per table: each deferred action's key, and the key a
 * deferred move would have taken (`plan --refresh` plans these rows again). Keyless tables'
 * rows (a whole row for a key) are left out: they are not planned again by key.
 */
export async function deferredKeys(
  s: Session,
  schema: string,
  planId: string,
  keyed: ReadonlySet<string>,
): Promise<Map<string, Row[]>> {
  const out = new Map<string, Map<string, Row>>();
  for (const b of await readDeferred(s, schema, planId)) {
    if (!keyed.has(b.table)) continue;
    const list = out.get(b.table) ?? new Map<string, Row>();
    for (const d of b.deferred) {
      for (const k of d.to ? [d.key, d.to] : [d.key]) list.set(JSON.stringify(k), k);
    }
    out.set(b.table, list);
  }
  return new Map([...out].map(([t, keys]) => [t, [...keys.values()]]));
}

/** One line of conflicts.jsonl. */
export interface ConflictLine extends Deferred {
  readonly table: string;
  /** the journal batch that deferred it */
  readonly batch: number;
}

/** Rewrites `conflicts.jsonl` in the plan folder from the journal; returns how many lines. */
export async function writeConflicts(
  s: Session,
  schema: string,
  planId: string,
  dir: string,
): Promise<number> {
  const lines: string[] = [];
  for (const b of await readDeferred(s, schema, planId)) {
    for (const d of b.deferred) {
      const line: ConflictLine = { table: b.table, batch: b.seq, ...d };
      lines.push(JSON.stringify(line));
    }
  }
  await writeFile(join(dir, CONFLICTS_FILE), lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return lines.length;
}

/**
 * A live run's writer reads and locks under READ COMMITTED: its checks lock the rows they find
 * and no gaps, so the application's inserts next to the batch's keys (new ids at the end of a
 * table) never wait on it, and deadlocks with the application's transactions get rare. A key
 * the application takes between a batch's check and its write then fails that write, and the
 * batch is tried again (execute.ts). Kept at REPEATABLE READ where the binary log is in
 * STATEMENT format, which InnoDB refuses under READ COMMITTED.
 */
export async function liveIsolation(
  s: Session,
  logger: Logger,
): Promise<'READ COMMITTED' | 'REPEATABLE READ'> {
  const [r] = await s.query<{ bin: string | number | null; fmt: string | null }>(
    'SELECT @@GLOBAL.log_bin AS bin, @@SESSION.binlog_format AS fmt',
  );
  if (Number(r?.bin ?? 0) === 1 && String(r?.fmt ?? '').toUpperCase() === 'STATEMENT') {
    logger.info(
      { event: 'apply.isolation', isolation: 'REPEATABLE READ' },
      'binlog_format=STATEMENT: the live run keeps REPEATABLE READ (its checks lock gaps too)',
    );
    return 'REPEATABLE READ';
  }
  await s.execute('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  return 'READ COMMITTED';
}
