import type { Session } from '../db/types.js';
import { type DbTarget, sameAddress } from '../db/url.js';
import { codeOf } from '../faults.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { TableRun } from './plan-tables.js';

/** Per table: the backup schema to INSERT … SELECT restored rows from, or why rows are shipped. */
export interface CopySource {
  readonly from: string | null;
  readonly note: string;
  /** rows streamed from another server go by LOAD DATA LOCAL INFILE (else multi-row INSERTs) */
  readonly load?: boolean;
}

/**
 * Restored rows (`copyOf: 'backup'`) are copied server-side, with INSERT … SELECT, when the
 * backup is on the target's server and its table has every column the plan writes; otherwise
 * they travel through the client as values. Either way the rows written are the plan's.
 *
 * A live run (`live`) does not copy by INSERT … SELECT into a table with an AUTO_INCREMENT
 * column while the server's `innodb_autoinc_lock_mode` is below 2 (MariaDB's default is 1):
 * there an INSERT … SELECT holds the table's AUTO-INC lock until the statement ends, even with
 * every id given, and every insert of the application into that table waits for it. A
 * multi-row INSERT … VALUES ("simple insert") does not take that lock.
 */
export async function copySources(
  s: Session,
  target: DbTarget,
  backup: DbTarget,
  runs: readonly TableRun[],
  live = false,
): Promise<Map<string, CopySource>> {
  const out = new Map<string, CopySource>();
  const wanted = runs.filter((r) => r.plan.actions.insert > 0);
  if (!sameAddress(target, backup)) {
    const load = live ? false : await localInfile(s);
    for (const r of wanted) {
      out.set(r.plan.table, {
        from: null,
        note: load
          ? 'backup on another server: restored rows streamed from it into LOAD DATA LOCAL INFILE'
          : `backup on another server: restored rows streamed from it as INSERTs (${live ? 'live: LOAD DATA would hold the AUTO-INC lock' : 'local_infile is OFF on the target'})`,
        load,
      });
    }
    return out;
  }
  const lockMode = live ? await autoIncLockMode(s) : null;
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
    } else if (lockMode !== null && lockMode < 2 && r.info.columns.some((c) => c.autoIncrement)) {
      out.set(r.plan.table, {
        from: null,
        note: `live: rows sent as values (INSERT … SELECT would hold the AUTO-INC lock of the table for the whole statement, innodb_autoinc_lock_mode=${lockMode})`,
      });
    } else {
      out.set(r.plan.table, {
        from: backup.schema,
        note: `INSERT … SELECT from ${backup.schema} (same server)`,
      });
    }
  }
  return out;
}

/** Whether the server takes LOAD DATA LOCAL INFILE (its local_infile). */
async function localInfile(s: Session): Promise<boolean> {
  const rows = await s.query<{ v: number | string | null }>('SELECT @@local_infile AS v');
  const v = rows[0]?.v;
  return v === 1 || v === '1' || v === 'ON';
}

/** The server's innodb_autoinc_lock_mode (0, 1 or 2), or null where it has none. */
async function autoIncLockMode(s: Session): Promise<number | null> {
  try {
    const rows = await s.query<{ m: number | string | null }>(
      'SELECT @@innodb_autoinc_lock_mode AS m',
    );
    const m = rows[0]?.m;
    return m === null || m === undefined ? null : Number(m);
  } catch (e) {
    // A server without InnoDB's variable has no AUTO-INC lock of InnoDB's to avoid.
    if (codeOf(e) === 'ER_UNKNOWN_SYSTEM_VARIABLE') return null;
    throw e;
  }
}
