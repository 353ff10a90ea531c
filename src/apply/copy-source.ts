import type { Session } from '../db/types.js';
import { type DbTarget, sameAddress } from '../db/url.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { TableRun } from './plan-tables.js';

/** Per table: the backup schema to INSERT … SELECT restored rows from, or why rows are shipped. */
export interface CopySource {
  readonly from: string | null;
  readonly note: string;
}

/**
 * Restored rows (`copyOf: 'backup'`) are copied server-side, with INSERT … SELECT, when the
 * backup is on the target's server and its table has every column the plan writes; otherwise
 * they travel through the client as values. Either way the rows written are the plan's.
 */
export async function copySources(
  s: Session,
  target: DbTarget,
  backup: DbTarget,
  runs: readonly TableRun[],
): Promise<Map<string, CopySource>> {
  const out = new Map<string, CopySource>();
  const wanted = runs.filter((r) => r.plan.actions.insert > 0);
  if (!sameAddress(target, backup)) {
    for (const r of wanted) {
      out.set(r.plan.table, {
        from: null,
        note: 'backup on another server: restored rows streamed from it',
      });
    }
    return out;
  }
  const schema = await introspectSchema(
    s,
    backup.schema,
    wanted.map((r) => r.plan.table),
  );
  for (const r of wanted) {
    const b = schema.tables.get(r.plan.table);
    // Column names are case-blind on the server: `SELECT name` reads a backup's `Name`.
    const have = new Set(b?.columns.map((c) => c.name.toLowerCase()) ?? []);
    const missing = r.plan.columns.filter((c) => !have.has(c.toLowerCase()));
    if (!b) {
      out.set(r.plan.table, {
        from: null,
        note: `${backup.schema}.${r.plan.table} not readable here: rows sent as values`,
      });
    } else if (missing.length > 0) {
      out.set(r.plan.table, {
        from: null,
        note: `backup lacks ${missing.join(', ')}: rows sent as values`,
      });
    } else if (r.plan.key.length === 0) {
      out.set(r.plan.table, { from: null, note: 'no key to select rows by: rows sent as values' });
    } else {
      out.set(r.plan.table, {
        from: backup.schema,
        note: `INSERT … SELECT from ${backup.schema} (same server)`,
      });
    }
  }
  return out;
}
