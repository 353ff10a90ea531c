/**
 * The journal: a table in the target schema with one row per applied batch (which actions of
 * which table, and the undo images), written in the batch's own transaction. It is what makes
 * apply resumable (the committed batches are exactly the journal's rows) and reversible.
 *
 * Rows of one plan, by seq:
 *   start     the run began (payload: who, where, and every table's AUTO_INCREMENT counter as
 *             it was before the first batch: what rollback puts back)
 *   batch     actions [first_action, end_action) of table_name applied; payload: UndoRecord
 *   autoinc   AUTO_INCREMENT raised (payload: column, before, next); a DDL, so it commits alone
 *   complete  every batch and AUTO_INCREMENT done: the plan is applied
 * Rollback deletes each batch row in the transaction that undoes it, then the rest, and drops
 * the table once no plan has rows in it, leaving the schema as it was.
 */
import { quoteTable } from '../db/quote.js';
import type { Session } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { JOURNAL_TABLE } from '../introspect/reserved.js';
import type { Counter } from './auto-increment.js';
import {
  autoincPayload,
  deferredList,
  journalPayload,
  startPayload,
  undoRecord,
} from './journal-payloads.js';
import type { Deferred } from './live-rows.js';
import type { UndoRecord } from './undo.js';

/** The journal table's name (introspection leaves it out, so plan and diff never see it). */
export { JOURNAL_TABLE };

export type Phase = 'delete' | 'write';

export interface JournalBatch {
  readonly seq: number;
  readonly table: string;
  readonly phase: Phase;
  /** action indices [first, end) in the table's action file */
  readonly first: number;
  readonly end: number;
  readonly rows: number;
}

export interface JournalAutoinc {
  readonly seq: number;
  readonly table: string;
  readonly column: string;
  /** the table's AUTO_INCREMENT before apply raised it (null: unknown) */
  readonly before: string | null;
  readonly next: string;
}

export interface JournalState {
  /** whether the journal table exists in the schema */
  readonly exists: boolean;
  readonly started: boolean;
  readonly complete: boolean;
  readonly batches: readonly JournalBatch[];
  readonly autoinc: readonly JournalAutoinc[];
  /**
   * the counters before the first batch, from the start row; null for a journal written before
   * reconcile recorded them (rollback then falls back to the `autoinc` rows)
   */
  readonly counters: readonly Counter[] | null;
  /** the next free seq for this plan */
  readonly nextSeq: number;
}

export type JournalStatus = 'none' | 'partial' | 'complete';

export function journalStatus(j: JournalState): JournalStatus {
  if (j.complete) return 'complete';
  return j.started || j.batches.length > 0 || j.autoinc.length > 0 ? 'partial' : 'none';
}

/** Per table: actions [0, end) are applied (batches of a table always form a prefix). */
export function appliedEnds(j: JournalState): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of j.batches) out.set(b.table, Math.max(out.get(b.table) ?? 0, b.end));
  return out;
}

const EMPTY: JournalState = {
  exists: false,
  started: false,
  complete: false,
  batches: [],
  autoinc: [],
  counters: null,
  nextSeq: 1,
};

export function journalTable(schema: string): string {
  return quoteTable(schema, JOURNAL_TABLE);
}

export async function ensureJournal(s: Session, schema: string): Promise<void> {
  await s.execute(
    `CREATE TABLE IF NOT EXISTS ${journalTable(schema)} (
      plan_id CHAR(64) CHARACTER SET ascii NOT NULL,
      seq INT UNSIGNED NOT NULL,
      kind VARCHAR(16) CHARACTER SET ascii NOT NULL,
      table_name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
      phase VARCHAR(8) CHARACTER SET ascii NULL,
      first_action BIGINT UNSIGNED NULL,
      end_action BIGINT UNSIGNED NULL,
      row_count INT UNSIGNED NULL,
      payload LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
      at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      PRIMARY KEY (plan_id, seq)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
      COMMENT='reconcile: applied batches and their undo images, per plan'`,
  );
}

async function journalExists(s: Session, schema: string): Promise<boolean> {
  const rows = await s.query<{ n: string | number }>(
    `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [schema, JOURNAL_TABLE],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

interface Entry {
  seq: string | number;
  kind: string;
  table_name: string | null;
  phase: string | null;
  first_action: string | number | null;
  end_action: string | number | null;
  row_count: string | number | null;
  payload: string | null;
}

/** The plan's rows in the journal (undo images left out: read them one batch at a time). */
export async function readJournal(
  s: Session,
  schema: string,
  planId: string,
): Promise<JournalState> {
  if (!(await journalExists(s, schema))) return EMPTY;
  const rows = await s.query<Entry>(
    `SELECT seq, kind, table_name, phase, first_action, end_action, row_count,
            CASE WHEN kind IN ('autoinc', 'start') THEN payload END AS payload
       FROM ${journalTable(schema)} WHERE plan_id = ? ORDER BY seq`,
    [planId],
  );
  const batches: JournalBatch[] = [];
  const autoinc: JournalAutoinc[] = [];
  let started = false;
  let complete = false;
  let counters: Counter[] | null = null;
  let maxSeq = 0;
  for (const r of rows) {
    const seq = Number(r.seq);
    maxSeq = Math.max(maxSeq, seq);
    if (r.kind === 'start') {
      started = true;
      const p = journalPayload(startPayload, JSON.parse(r.payload ?? '{}'), `start row ${seq}`);
      counters = p.autoIncrement ?? null;
    } else if (r.kind === 'complete') complete = true;
    else if (r.kind === 'batch') {
      batches.push({
        seq,
        table: String(r.table_name),
        phase: r.phase === 'delete' ? 'delete' : 'write',
        first: Number(r.first_action),
        end: Number(r.end_action),
        rows: Number(r.row_count),
      });
    } else if (r.kind === 'autoinc') {
      const p = journalPayload(autoincPayload, JSON.parse(r.payload ?? '{}'), `autoinc row ${seq}`);
      autoinc.push({ seq, table: String(r.table_name), ...p });
    }
  }
  return { exists: true, started, complete, batches, autoinc, counters, nextSeq: maxSeq + 1 };
}

const INSERT_COLUMNS =
  'plan_id, seq, kind, table_name, phase, first_action, end_action, row_count, payload';

/** Records a batch; run it inside the batch's transaction, after its writes. */
export async function journalBatch(
  s: Session,
  schema: string,
  planId: string,
  b: JournalBatch,
  undo: UndoRecord,
): Promise<void> {
  await s.execute(
    `INSERT INTO ${journalTable(schema)} (${INSERT_COLUMNS}) VALUES (?, ?, 'batch', ?, ?, ?, ?, ?, ?)`,
    [planId, b.seq, b.table, b.phase, b.first, b.end, b.rows, JSON.stringify(undo)],
  );
}

/** Records a marker row (start, complete) in a transaction of its own. */
export async function journalMarker(
  s: Session,
  schema: string,
  planId: string,
  seq: number,
  kind: 'start' | 'complete',
  payload: Record<string, unknown>,
): Promise<void> {
  await s.execute(
    `INSERT INTO ${journalTable(schema)} (${INSERT_COLUMNS}) VALUES (?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?)`,
    [planId, seq, kind, JSON.stringify(payload)],
  );
}

export async function journalAutoinc(
  s: Session,
  schema: string,
  planId: string,
  a: JournalAutoinc,
): Promise<void> {
  const payload = { column: a.column, before: a.before, next: a.next };
  await s.execute(
    `INSERT INTO ${journalTable(schema)} (${INSERT_COLUMNS}) VALUES (?, ?, 'autoinc', ?, NULL, NULL, NULL, NULL, ?)`,
    [planId, a.seq, a.table, JSON.stringify(payload)],
  );
}

/**
 * The actions live runs of this plan deferred, batch by batch (oldest first): for a resumed
 * run (whose children must still follow what earlier batches deferred) and conflicts.jsonl.
 */
export async function readDeferred(
  s: Session,
  schema: string,
  planId: string,
): Promise<{ seq: number; table: string; deferred: Deferred[] }[]> {
  if (!(await journalExists(s, schema))) return [];
  const rows = await s.query<{ seq: string | number; table_name: string; d: unknown }>(
    `SELECT seq, table_name, JSON_EXTRACT(payload, '$.deferred') AS d FROM ${journalTable(schema)}
      WHERE plan_id = ? AND kind = 'batch' AND payload LIKE '%"deferred":[{%' ORDER BY seq`,
    [planId],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    table: r.table_name,
    // The driver hands a JSON-typed result over parsed (MySQL), or as its text (MariaDB).
    deferred: journalPayload(
      deferredList,
      typeof r.d === 'string' ? JSON.parse(r.d) : (r.d ?? []),
      `deferred actions of batch ${r.seq}`,
    ),
  }));
}

/** A batch's undo record. */
export async function readUndo(
  s: Session,
  schema: string,
  planId: string,
  seq: number,
): Promise<UndoRecord> {
  const rows = await s.query<{ payload: string | null }>(
    `SELECT payload FROM ${journalTable(schema)} WHERE plan_id = ? AND seq = ? AND kind = 'batch'`,
    [planId, seq],
  );
  const payload = rows[0]?.payload;
  if (!payload) throw new Error(`journal: batch ${seq} of plan ${planId} has no undo record`);
  return journalPayload(undoRecord, JSON.parse(payload), `batch ${seq} of plan ${planId}`);
}

export async function deleteJournalRow(
  s: Session,
  schema: string,
  planId: string,
  seq: number,
): Promise<void> {
  await s.execute(`DELETE FROM ${journalTable(schema)} WHERE plan_id = ? AND seq = ?`, [
    planId,
    seq,
  ]);
}

export async function deleteJournalKind(
  s: Session,
  schema: string,
  planId: string,
  kind: 'start' | 'complete' | 'autoinc',
): Promise<void> {
  await s.execute(`DELETE FROM ${journalTable(schema)} WHERE plan_id = ? AND kind = ?`, [
    planId,
    kind,
  ]);
}

/** Drops the journal table when no plan has rows left in it. */
export async function dropJournalIfEmpty(s: Session, schema: string): Promise<boolean> {
  if (!(await journalExists(s, schema))) return false;
  const rows = await s.query<{ n: string | number }>(
    `SELECT COUNT(*) AS n FROM ${journalTable(schema)}`,
  );
  if (Number(rows[0]?.n ?? 0) > 0) return false;
  await s.execute(`DROP TABLE IF EXISTS ${journalTable(schema)}`);
  return true;
}

/** Other plans the journal shows begun but not complete on this schema. */
export async function unfinishedPlans(
  s: Session,
  schema: string,
  planId: string,
): Promise<string[]> {
  if (!(await journalExists(s, schema))) return [];
  const rows = await s.query<{ plan_id: string }>(
    `SELECT plan_id FROM ${journalTable(schema)} WHERE plan_id <> ?
      GROUP BY plan_id HAVING SUM(kind = 'complete') = 0 ORDER BY plan_id`,
    [planId],
  );
  return rows.map((r) => r.plan_id);
}

/**
 * Pieces of a copy action a live run was writing when it stopped (live-pieces.ts): journal rows
 * that cover no action ([first, first)) and that no later row ends. The rows they wrote are in
 * the target, but no action the plan's digests can add up: only a live run accounts for them.
 */
export function unfinishedPieces(batches: readonly JournalBatch[]): JournalBatch[] {
  return batches.filter(
    (p) =>
      p.first === p.end &&
      !batches.some(
        (b) => b.table === p.table && b.phase === p.phase && b.first <= p.first && p.first < b.end,
      ),
  );
}

/**
 * The refusal of a strict run (apply or rollback) after a live run stopped inside a copy action
 * it was writing in pieces: the strict check adds up whole actions, so it cannot tell those
 * rows from the application's; `way` is the command that can.
 */
export function stoppedInPieces(
  where: string,
  pieces: readonly JournalBatch[],
  way: string,
): PreconditionError {
  const first = pieces[0];
  const rows = pieces.reduce((n, p) => n + p.rows, 0);
  return new PreconditionError(
    'journal-mismatch',
    `${where}: a live run stopped inside a restore of ${first?.table ?? '?'} it was writing in pieces (${pieces.length} pieces, ${rows} rows, journal batches from ${first?.seq ?? '?'}); a strict run cannot account for them: use ${way}`,
    first ? { table: first.table } : {},
  );
}
