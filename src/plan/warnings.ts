/**
 * Warnings: what the plan decided but cannot be sure of, one line per table and kind, in
 * plan.json (PlanTable.warnings), the plan's summary, plan.sql and the report. They change no
 * action: a person reads them and, where needed, tells the config more.
 */
import { tablePath } from '../config/policy.js';
import type { TableRecord } from './table-record.js';

/** Changed rows dated the incident's day, in a table whose createdAt is a DATE. */
export function ambiguousCreatedWarning(t: TableRecord): string | null {
  const n = t.diff.ambiguousCreated;
  const p = t.model.policy;
  if (n === 0 || p.createdAt === null || p.createdAfter === null) return null;
  const [day, time] = p.createdAfter.local.split(' ');
  const rows = n === 1 ? '1 row changed on both sides has' : `${n} rows changed on both sides have`;
  return `${rows} ${p.createdAt} = ${day}, the day incident.start falls on: a DATE cannot tell whether ${n === 1 ? 'it was' : 'they were'} created before or after ${time?.slice(0, 8)}; taken as edits of the backup's rows (set ${tablePath(t.name, 'createdAfter')} to draw the line where it belongs, e.g. at the start of that day)`;
}
