/**
 * Schemas of `npm run bench:scale`: loading one side of the incident, and what the figures need
 * to know about the data (row counts, the size of the rows the merge restores).
 */
import { connect, createSchema, dropSchema, runScript } from '../src/db/mysql.js';
import { quoteId } from '../src/db/quote.js';
import { type DbTarget, withSchema } from '../src/db/url.js';
import type { Cleanup } from './scale-cleanup.js';
import {
  COLUMNS,
  DDL,
  fillStatements,
  type IncidentShape,
  restoredRows,
  TABLES,
  type TableName,
} from './scale-incident.js';

export const PREFIX = 'rc_scale';

/** A schema of the bench on `server`, dropped at the end unless `keep`. */
export function benchSchema(
  server: DbTarget,
  name: string,
  cleanup: Cleanup,
  keep: boolean,
): DbTarget {
  const t = withSchema(server, `${PREFIX}_${name}`);
  if (!keep) cleanup.add(`drop ${t.schema}`, () => dropSchema(t));
  return t;
}

/** (Re)creates `target` holding one side of the incident. */
export async function loadSide(
  target: DbTarget,
  shape: IncidentShape,
  side: 'backup' | 'interim',
): Promise<void> {
  await createSchema(target, true);
  await runScript(target, DDL);
  const c = await connect(target);
  try {
    for (const sql of fillStatements(shape, side)) await c.execute(sql);
  } finally {
    await c.close();
  }
}

export type PerTable = Record<TableName, number>;

export async function countRows(target: DbTarget): Promise<PerTable & { total: number }> {
  const c = await connect(target);
  try {
    const out: PerTable = { accounts: 0, ledger: 0, ledger_lines: 0 };
    for (const t of TABLES) {
      const [r] = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteId(t)}`);
      out[t] = Number(r?.n ?? 0);
    }
    return { ...out, total: out.accounts + out.ledger + out.ledger_lines };
  } finally {
    await c.close();
  }
}

export interface RestoredData {
  readonly rows: PerTable & { total: number };
  /**
   * the restored rows' bytes as their columns' text (what a dump carries, without the SQL
   * around it): SUM of LENGTH of every column, NULL as 0
   */
  readonly textBytes: number;
  /** the same rows' share of the backup tables' InnoDB DATA_LENGTH (pages, so padding too) */
  readonly innodbBytes: number;
}

/** Measures, on the backup, the rows the merge must restore (those the interim lacks). */
export async function restoredData(backup: DbTarget, shape: IncidentShape): Promise<RestoredData> {
  const c = await connect(backup);
  try {
    const rows: PerTable = { accounts: 0, ledger: 0, ledger_lines: 0 };
    let textBytes = 0;
    let innodbBytes = 0;
    await c.execute(`ANALYZE TABLE ${TABLES.map(quoteId).join(', ')}`);
    for (const t of TABLES) {
      const len = COLUMNS[t].map((col) => `COALESCE(LENGTH(${quoteId(col)}), 0)`).join(' + ');
      const [r] = await c.query<{ n: string; all: string; bytes: string | null }>(
        `SELECT SUM(${restoredRows(shape, t)}) AS n, COUNT(*) AS \`all\`,
                SUM(IF(${restoredRows(shape, t)}, ${len}, 0)) AS bytes FROM ${quoteId(t)}`,
      );
      const [size] = await c.query<{ data: string }>(
        `SELECT DATA_LENGTH AS data FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
        [backup.schema, t],
      );
      rows[t] = Number(r?.n ?? 0);
      textBytes += Number(r?.bytes ?? 0);
      innodbBytes += (Number(size?.data ?? 0) * rows[t]) / Math.max(1, Number(r?.all ?? 1));
    }
    return {
      rows: { ...rows, total: rows.accounts + rows.ledger + rows.ledger_lines },
      textBytes,
      innodbBytes: Math.round(innodbBytes),
    };
  } finally {
    await c.close();
  }
}
