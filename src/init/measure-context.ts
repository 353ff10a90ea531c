import type { IncidentStart } from '../config/incident-time.js';
import type { Session } from '../db/types.js';
import type { ColumnInfo } from '../introspect/types.js';
import { boundedQuery, type TimeBudget } from './bounded-query.js';
import { type SampleSource, type Statement, sampleSizeSql } from './measure-sql.js';
import type { Measured, RowSample } from './proposal-types.js';

/** What every measurement of one table needs: both sides' sessions, the budget, the bounds. */
export interface MeasureContext {
  readonly backup: Session;
  readonly interim: Session;
  readonly backupSchema: string;
  readonly interimSchema: string;
  readonly budget: TimeBudget;
  readonly incident: IncidentStart | null;
  readonly sampleRows: number;
  readonly sampleValues: number;
  readonly sampleDocuments: number;
  /** one measurement done (progress) */
  readonly tick: () => void;
}

/** A server count (BIGINT and DECIMAL arrive as strings) as a number. */
export function num(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Runs one bounded statement; its rows, or why there are none. */
export async function measure<T extends object>(
  ctx: MeasureContext,
  side: 'backup' | 'interim',
  st: Statement,
): Promise<Measured<T[]>> {
  const r = await boundedQuery<T>(side === 'backup' ? ctx.backup : ctx.interim, ctx.budget, st);
  ctx.tick();
  return r.ok ? { kind: 'measured', value: r.rows } : { kind: 'not-measured', reason: r.reason };
}

/** How many rows a sample of the table holds, and whether that is all of them. */
export async function rowSample(
  ctx: MeasureContext,
  side: 'backup' | 'interim',
  src: SampleSource,
  which: RowSample['which'],
): Promise<Measured<RowSample>> {
  const r = await measure<{ n: unknown }>(ctx, side, sampleSizeSql(src, ctx.sampleRows));
  if (r.kind === 'not-measured') return r;
  const n = num(r.value[0]?.n);
  return {
    kind: 'measured',
    value: { rows: Math.min(n, ctx.sampleRows), wholeTable: n <= ctx.sampleRows, which },
  };
}

/**
 * incident.start in the form a column's values are compared with, as plan compares them: UTC
 * for TIMESTAMP, the business's wall clock for DATETIME and DATE, unix seconds for numbers.
 */
export function startFor(c: ColumnInfo, incident: IncidentStart): string {
  if (c.family === 'integer' || c.family === 'decimal') return incident.epochSeconds;
  return c.dataType === 'timestamp' ? incident.utc : incident.local;
}
