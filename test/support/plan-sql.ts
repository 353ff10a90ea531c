import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '../../src/db/mysql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { DbTarget } from '../../src/db/url.js';
import { tableDigestBy } from '../../src/diff/table-digest.js';
import type { Digest } from '../../src/hash/digest.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { SQL_FILE } from '../../src/plan/format.js';
import { serverUrl } from './schemas.js';

/** The mysql command-line client on this machine (MariaDB's is `mariadb`). */
function clientBinary(): string {
  return process.env.MYSQL_CLIENT ?? 'mariadb';
}

/**
 * Runs a plan's plan.sql with the mysql command-line client against a schema, as a DBA would:
 * `mariadb -h … -P … -u … schema < plan.sql`.
 */
export async function runPlanSql(planDir: string, target: DbTarget): Promise<void> {
  const sqlText = await readFile(join(planDir, SQL_FILE));
  const url = new URL(serverUrl());
  const args = [
    '--protocol=TCP',
    '-h',
    url.hostname,
    '-P',
    url.port || '3306',
    '-u',
    decodeURIComponent(url.username || 'root'),
    target.schema,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(clientBinary(), args, {
      env: { ...process.env, MYSQL_PWD: decodeURIComponent(url.password) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`plan.sql failed (exit ${code}): ${err}`)),
    );
    child.stdin.end(sqlText);
  });
}

/** A fresh digest of every plan table in `target`, as verify computes it. */
export async function digestsOf(
  target: DbTarget,
  manifest: PlanManifest,
): Promise<Record<string, Digest>> {
  const pool = await SessionPool.open(2, () => connect(target), { snapshot: false });
  try {
    const schema = await introspectSchema(pool.primary, target.schema);
    const out: Record<string, Digest> = {};
    for (const t of manifest.tables) {
      const info = schema.tables.get(t.table);
      if (!info) throw new Error(`${t.table} missing in ${target.schema}`);
      out[t.table] = await tableDigestBy(pool, target.schema, info, t.digestMethod);
    }
    return out;
  } finally {
    await pool.close();
  }
}

/** Some columns of a table, every row, in key order, as the server prints them. */
export async function rowsOf(
  target: DbTarget,
  table: string,
  columns: readonly string[],
  orderBy: readonly string[],
): Promise<(string | null)[][]> {
  const c = await connect(target);
  try {
    const order = orderBy.length > 0 ? orderBy : columns;
    const rows = await c.rawRows(
      `SELECT ${columns.map(quoteId).join(', ')} FROM ${quoteTable(target.schema, table)} ORDER BY ${order.map(quoteId).join(', ')}`,
    );
    return rows.map((r) => r.map((v) => (v === null ? null : v.toString('utf8'))));
  } finally {
    await c.close();
  }
}

/** What the target's digests must be: the manifest's per table. */
export function digestsIn(
  manifest: PlanManifest,
  which: 'digestBefore' | 'digestAfter',
): Record<string, Digest> {
  return Object.fromEntries(manifest.tables.map((t) => [t.table, t[which]]));
}
