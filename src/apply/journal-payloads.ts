/**
 * The shapes of the JSON apply keeps in its journal rows (journal.ts), checked when they are
 * read back: the undo record of a batch, the deferred actions of a live batch, the counters of
 * the start marker, a raised AUTO_INCREMENT. The journal is reconcile's own table, so a row
 * not of its shape is a bug (or a hand edit): the error says which row and where it differs.
 */
import { z } from 'zod';
import type { Cell, Row } from '../cell/cells.js';
import type { Counter } from './auto-increment.js';
import type { Deferred } from './live-rows.js';
import type { UndoRecord, UndoStep } from './undo.js';

const cell: z.ZodType<Cell> = z.union([z.string(), z.object({ hex: z.string() }), z.null()]);
const cells = z.array(z.array(cell));
const row: z.ZodType<Row> = z.record(z.string(), cell);

const deferred: z.ZodType<Deferred> = z.object({
  index: z.number(),
  op: z.enum(['insert', 'update', 'delete', 'copy', 'unresolved']),
  key: row,
  to: row.nullable(),
  reason: z.enum(['changed', 'gone', 'taken', 'parent-deferred', 'referenced']),
  wanted: z.string(),
  now: row.nullable(),
});

/** The deferred actions of a live batch. */
export const deferredList: z.ZodType<Deferred[]> = z.array(deferred);

const step: z.ZodType<UndoStep> = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('unInsert'),
    keys: cells,
    ranges: z.array(z.tuple([z.string(), z.string()])).optional(),
  }),
  z.object({ op: z.literal('unInsertExact'), rows: cells }),
  z.object({ op: z.literal('unUpdate'), at: cells, before: cells }),
  z.object({ op: z.literal('unUpdateExact'), rows: cells, before: cells }),
  z.object({ op: z.literal('unDelete'), rows: cells }),
]);

/** A batch's undo record. */
export const undoRecord: z.ZodType<UndoRecord> = z.object({
  table: z.string(),
  columns: z.array(z.string()),
  key: z.array(z.string()),
  steps: z.array(step),
  deferred: deferredList.optional(),
});

/** The start marker's payload: the counters before the first batch (absent: not recorded). */
export const startPayload: z.ZodType<{ autoIncrement?: Counter[] | undefined }> = z.object({
  autoIncrement: z.array(z.object({ table: z.string(), value: z.string().nullable() })).optional(),
});

/** A raised AUTO_INCREMENT counter's payload. */
export const autoincPayload: z.ZodType<{ column: string; before: string | null; next: string }> =
  z.object({ column: z.string(), before: z.string().nullable(), next: z.string() });

/** `json` checked against `shape`, or a bug error naming the journal row (`what`). */
export function journalPayload<T>(shape: z.ZodType<T>, json: unknown, what: string): T {
  const r = shape.safeParse(json);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const path = first?.path.length ? first.path.join('.') : '(top)';
  throw new Error(`journal: ${what} is not of its shape (${path}: ${first?.message ?? 'invalid'})`);
}
