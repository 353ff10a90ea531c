/**
 * What a live-load test needs to know of a plan and of the run that applied it, read the way a
 * person would check it: the plan's actions one row at a time (a copy action as one unit per
 * backup row it restores), the journal's batches with when each committed, and conflicts.jsonl.
 * Single-column keys and text columns only (the live fixture's shape).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TextRow } from '../../bench/load-generator.js';
import type { ConflictLine } from '../../src/apply/live-run.js';
import type { Cell, Row } from '../../src/cell/cells.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import type { Action, PlanManifest } from '../../src/plan/format.js';
import { readActions } from '../../src/plan/plan-files.js';

/** One row a plan action writes (a copy action: one of the backup rows it restores). */
export interface PlanUnit {
  readonly table: string;
  readonly index: number;
  readonly op: 'insert' | 'update' | 'delete' | 'copy';
  /** the key it addresses */
  readonly key: string;
  /** an update that moves the row: the key it moves to */
  readonly to: string | null;
  /** the row it leaves (insert, update: the plan's row; copy: the backup's row); null: delete */
  readonly row: TextRow | null;
  /** the row the plan saw (update, delete) */
  readonly before: TextRow | null;
}

const cellText = (c: Cell): string | null =>
  c === null ? null : typeof c === 'string' ? c : `hex:${c.hex}`;

export const textRow = (r: Row): TextRow =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellText(v)]));

/** Whether two rows hold the same text in every column. */
export function sameRow(a: TextRow | null | undefined, b: TextRow | null | undefined): boolean {
  if (!a || !b) return a === b || (!a && !b);
  const cols = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...cols].every((c) => (a[c] ?? null) === (b[c] ?? null));
}

/** Every row of `table` by key (text), read from `t`. */
export async function rowsByKey(
  t: DbTarget,
  table: string,
  key: string,
): Promise<Map<string, TextRow>> {
  const c = await connect(t);
  try {
    const cols = await c.query<{ c: string }>(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [t.schema, table],
    );
    const names = cols.map((x) => x.c);
    const out = new Map<string, TextRow>();
    for (const raw of await c.rawRows(
      `SELECT ${names.map(quoteId).join(', ')} FROM ${quoteTable(t.schema, table)}`,
    )) {
      const row = Object.fromEntries(names.map((n, i) => [n, raw[i]?.toString('utf8') ?? null]));
      out.set(row[key] ?? '', row);
    }
    return out;
  } finally {
    await c.close();
  }
}

export interface ReadPlan {
  readonly manifest: PlanManifest;
  readonly units: readonly PlanUnit[];
}

/** The plan's actions as units; copy actions expanded over the backup's rows. */
export async function readPlanUnits(dir: string, backup: DbTarget): Promise<ReadPlan> {
  const manifest = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as PlanManifest;
  const units: PlanUnit[] = [];
  for (const t of manifest.tables) {
    const key = t.key[0];
    if (t.key.length !== 1 || key === undefined) throw new Error(`${t.table}: not a 1-column key`);
    const actions: Action[] = [];
    for await (const a of readActions(dir, t.file)) actions.push(a);
    const backupRows = actions.some((a) => a.op === 'copy')
      ? await rowsByKey(backup, t.table, key)
      : new Map<string, TextRow>();
    actions.forEach((a, index) => {
      units.push(...unitsOf(t.table, key, a, index, backupRows));
    });
  }
  return { manifest, units };
}

function unitsOf(
  table: string,
  key: string,
  a: Action,
  index: number,
  backup: ReadonlyMap<string, TextRow>,
): PlanUnit[] {
  const base = { table, index, to: null, before: null };
  switch (a.op) {
    case 'unresolved':
      throw new Error(`${table} action ${index} unresolved: the fixture plans none`);
    case 'insert':
      return [{ ...base, op: 'insert', key: keyText(a.key, key), row: textRow(a.row) }];
    case 'delete':
      return [
        { ...base, op: 'delete', key: keyText(a.key, key), row: null, before: textRow(a.before) },
      ];
    case 'update': {
      const from = keyText(a.key, key);
      const to = keyText(a.row, key);
      return [
        {
          ...base,
          op: 'update',
          key: from,
          to: to === from ? null : to,
          row: textRow(a.row),
          before: textRow(a.before),
        },
      ];
    }
    case 'copy': {
      const keys = new Set(a.keys.map((k) => keyText(k, key)));
      const inRange = (k: string): boolean =>
        a.ranges.some(([lo, hi]) => BigInt(lo) <= BigInt(k) && BigInt(k) <= BigInt(hi));
      return [...backup]
        .filter(([k]) => keys.has(k) || inRange(k))
        .map(([k, row]) => ({ ...base, op: 'copy' as const, key: k, row }));
    }
  }
}

function keyText(r: Row, key: string): string {
  return cellText(r[key] ?? null) ?? '';
}

/** A committed batch of the run, with when it could have locked its rows. */
export interface BatchWindow {
  readonly seq: number;
  readonly table: string;
  readonly first: number;
  readonly end: number;
  /**
   * epoch ms: the journal row before it was written (its rows were locked later), and its own
   * journal row was written (its rows had been checked by then)
   */
  readonly lower: number;
  readonly upper: number;
}

/** The journal's batches of the plan, each with its time window. */
export async function batchWindows(t: DbTarget, planId: string): Promise<BatchWindow[]> {
  const c = await connect(t);
  try {
    const rows = await c.query<{
      seq: string | number;
      kind: string;
      table_name: string | null;
      first_action: string | number | null;
      end_action: string | number | null;
      at: string;
    }>(
      `SELECT seq, kind, table_name, first_action, end_action, UNIX_TIMESTAMP(at) AS at
         FROM _reconcile_journal WHERE plan_id = ? ORDER BY seq`,
      [planId],
    );
    const out: BatchWindow[] = [];
    // A copy action written in pieces (journal rows covering no action, then the one ending
    // it): its window runs from before its first piece to its last.
    const pieces = new Map<string, number>();
    let previous = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      const at = Number(r.at) * 1000;
      if (r.kind === 'batch') {
        const first = Number(r.first_action);
        const end = Number(r.end_action);
        const action = `${String(r.table_name)}#${first}`;
        if (first === end) {
          if (!pieces.has(action)) pieces.set(action, previous);
        } else {
          out.push({
            seq: Number(r.seq),
            table: String(r.table_name),
            first,
            end,
            lower: pieces.get(action) ?? previous,
            upper: at,
          });
          pieces.delete(action);
        }
      }
      previous = at;
    }
    return out;
  } finally {
    await c.close();
  }
}

/** conflicts.jsonl of the plan folder. */
export async function readConflicts(dir: string): Promise<ConflictLine[]> {
  const text = await readFile(join(dir, 'conflicts.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ConflictLine);
}

/** The unit a conflict line is about: its table, action index and key. */
export function unitId(table: string, index: number, key: string): string {
  return `${table}#${index}#${key}`;
}

export function conflictUnitId(c: ConflictLine): string {
  const key = Object.values(c.key)[0] ?? null;
  return unitId(c.table, c.index, cellText(key) ?? '');
}
