import type { Session } from '../db/types.js';
import { readAutoIncrements, setAutoIncrement } from './auto-increment.js';
import type { JournalState } from './journal.js';

/** A table's AUTO_INCREMENT after a rollback, against what it was before the apply. */
export interface CounterCheck {
  readonly table: string;
  /** the counter before the apply (as the journal recorded it) */
  readonly before: string;
  /** the counter now */
  readonly now: string | null;
  readonly ok: boolean;
}

/** A table's AUTO_INCREMENT counter before the apply, as the journal recorded it. */
export interface CounterBefore {
  readonly table: string;
  readonly value: string;
}

/**
 * The counters a rollback must put back: those the start row recorded before the first batch;
 * for a journal written before reconcile recorded them, those its `autoinc` rows kept.
 */
export function countersBefore(j: JournalState): CounterBefore[] {
  const recorded = j.counters ?? j.autoinc.map((a) => ({ table: a.table, value: a.before }));
  return recorded.flatMap((c) => (c.value === null ? [] : [{ table: c.table, value: c.value }]));
}

/**
 * Sets each counter back to its value before the apply (ALTER TABLE … AUTO_INCREMENT: a DDL,
 * committed on its own; only where it differs). The server never sets a counter at or below
 * the column's largest value; once the apply's rows are gone, nothing stands above it.
 */
export async function restoreCounters(
  s: Session,
  schema: string,
  want: readonly CounterBefore[],
): Promise<void> {
  const now = await readAutoIncrements(
    s,
    schema,
    want.map((w) => w.table),
  );
  for (const w of want) {
    const current = now.find((c) => c.table === w.table)?.value ?? null;
    if (current !== w.value) await setAutoIncrement(s, schema, w.table, w.value);
  }
}

/** The counters now against their values before the apply: a mismatch fails the rollback. */
export async function checkCounters(
  s: Session,
  schema: string,
  want: readonly CounterBefore[],
): Promise<CounterCheck[]> {
  const now = await readAutoIncrements(
    s,
    schema,
    want.map((w) => w.table),
  );
  return compareCounters(want, now);
}

export function compareCounters(
  want: readonly CounterBefore[],
  now: readonly { table: string; value: string | null }[],
): CounterCheck[] {
  return want.map((w) => {
    const v = now.find((c) => c.table === w.table)?.value ?? null;
    return { table: w.table, before: w.value, now: v, ok: v === w.value };
  });
}
