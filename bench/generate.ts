import { connect } from '../src/db/mysql.js';
import { quoteId, quoteTable } from '../src/db/quote.js';
import type { Connection } from '../src/db/types.js';
import { type DbTarget, withSchema } from '../src/db/url.js';

/** A benchmark case: a backup table and an interim copy with known differences. */
export interface BenchCase {
  readonly name: 'scattered' | 'clustered' | 'identical';
  readonly rows: number;
}

/** What generation did to the interim side: the counts the diff must find. */
export interface Expected {
  readonly changed: number;
  readonly onlyBackup: number;
  readonly onlyInterim: number;
  readonly backupRows: number;
  readonly interimRows: number;
}

/** Bump when the generated data changes, so old schemas are rebuilt. */
const DATA_VERSION = 1;
export const BENCH_TABLE = 'orders';

const DDL = `CREATE TABLE ${quoteId(BENCH_TABLE)} (
  id INT NOT NULL PRIMARY KEY,
  qty INT NULL,
  note VARCHAR(64) NULL,
  amount DECIMAL(12,2) NULL,
  created DATETIME NULL,
  score DOUBLE NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`;

/** The row for key `n` (a SQL expression over a column `n`); about one row in 97 has NULLs. */
const ROW = `n,
  IF(n % 97 = 0, NULL, n * 7 % 1000),
  CONCAT('order-', n, '-', SUBSTRING(MD5(n), 1, 20)),
  IF(n % 89 = 0, NULL, (n % 100000) / 100),
  '2020-01-01' + INTERVAL n SECOND,
  n * 1.5`;

export function schemaNames(c: BenchCase): { backup: string; interim: string } {
  const base = `reconcile_bench_${c.name}_${c.rows}`;
  return { backup: `${base}_b`, interim: `${base}_i` };
}

/**
 * Creates (or reuses, when a previous run left them with the same parameters) the two schemas
 * of a case, and returns what the diff must find. Generation runs on the server: INSERT …
 * SELECT from MariaDB's sequence engine, or a recursive CTE on MySQL.
 */
export async function prepareCase(
  server: DbTarget,
  c: BenchCase,
  fresh: boolean,
  log: (m: string) => void,
): Promise<Expected> {
  const names = schemaNames(c);
  const conn = await connect(withSchema(server, 'information_schema'), { noSchema: true });
  try {
    const meta = fresh ? null : await readMeta(conn, names.backup);
    if (meta) {
      log(`reusing ${names.backup} / ${names.interim}`);
      return meta;
    }
    log(`generating ${c.name}: ${c.rows} rows a side`);
    for (const s of [names.backup, names.interim]) {
      await conn.execute(`DROP DATABASE IF EXISTS ${quoteId(s)}`);
      await conn.execute(`CREATE DATABASE ${quoteId(s)} CHARACTER SET utf8mb4`);
    }
    const b = quoteTable(names.backup, BENCH_TABLE);
    const i = quoteTable(names.interim, BENCH_TABLE);
    await conn.execute(`USE ${quoteId(names.backup)}`);
    await conn.execute(DDL);
    await conn.execute(`USE ${quoteId(names.interim)}`);
    await conn.execute(DDL);
    await fill(conn, b, 1, c.rows);
    await conn.execute(`INSERT INTO ${i} SELECT * FROM ${b}`);
    const expected = await applyDifferences(conn, i, c);
    await conn.execute(`ANALYZE TABLE ${b}, ${i}`);
    await conn.execute(
      `CREATE TABLE ${quoteTable(names.backup, 'bench_meta')} (version INT, expected JSON)`,
    );
    await conn.execute(`INSERT INTO ${quoteTable(names.backup, 'bench_meta')} VALUES (?, ?)`, [
      DATA_VERSION,
      JSON.stringify(expected),
    ]);
    return expected;
  } finally {
    await conn.close();
  }
}

async function readMeta(conn: Connection, schema: string): Promise<Expected | null> {
  try {
    const rows = await conn.query<{ version: number; expected: string | Expected }>(
      `SELECT version, expected FROM ${quoteTable(schema, 'bench_meta')}`,
    );
    const r = rows[0];
    if (!r || Number(r.version) !== DATA_VERSION) return null;
    // the driver parses a JSON column itself on some servers, not on others
    return typeof r.expected === 'string' ? (JSON.parse(r.expected) as Expected) : r.expected;
  } catch {
    return null;
  }
}

async function fill(conn: Connection, table: string, from: number, to: number): Promise<void> {
  if (to < from) return;
  if (conn.server.flavor === 'mariadb') {
    await conn.execute(
      `INSERT INTO ${table} SELECT ${ROW} FROM (SELECT seq AS n FROM seq_${from}_to_${to}) s`,
    );
    return;
  }
  // MySQL: a recursive CTE, a million keys at a time.
  for (let lo = from; lo <= to; lo += 1_000_000) {
    const hi = Math.min(to, lo + 999_999);
    await conn.execute(`SET SESSION cte_max_recursion_depth = ${hi - lo + 2}`);
    await conn.execute(
      `INSERT INTO ${table} WITH RECURSIVE s(n) AS (SELECT ${lo} UNION ALL SELECT n + 1 FROM s WHERE n < ${hi}) SELECT ${ROW} FROM s`,
    );
  }
}

/**
 * scattered: ~1.6% of rows changed, 0.2% deleted, 0.2% added at the end (the interim's new ids);
 * clustered: the last 0.01% of rows changed and 0.005% added; identical: nothing.
 */
async function applyDifferences(conn: Connection, i: string, c: BenchCase): Promise<Expected> {
  let changed = 0;
  let deleted = 0;
  let added = 0;
  if (c.name === 'scattered') {
    changed += (
      await conn.execute(`UPDATE ${i} SET note = CONCAT(note, '*') WHERE CRC32(id) % 1000 < 8`)
    ).affectedRows;
    changed += (
      await conn.execute(
        `UPDATE ${i} SET amount = IFNULL(amount, 0) + 1 WHERE CRC32(id) % 1000 BETWEEN 8 AND 15`,
      )
    ).affectedRows;
    deleted = (await conn.execute(`DELETE FROM ${i} WHERE CRC32(id) % 1000 BETWEEN 16 AND 17`))
      .affectedRows;
    added = Math.round(c.rows * 0.002);
    await fill(conn, i, c.rows + 1, c.rows + added);
  } else if (c.name === 'clustered') {
    const n = Math.max(1, Math.round(c.rows * 0.0001));
    changed = (
      await conn.execute(`UPDATE ${i} SET score = score + 0.5 WHERE id > ?`, [String(c.rows - n)])
    ).affectedRows;
    added = Math.max(1, Math.round(n / 2));
    await fill(conn, i, c.rows + 1, c.rows + added);
  }
  return {
    changed,
    onlyBackup: deleted,
    onlyInterim: added,
    backupRows: c.rows,
    interimRows: c.rows - deleted + added,
  };
}

export async function dropCase(server: DbTarget, c: BenchCase): Promise<void> {
  const conn = await connect(withSchema(server, 'information_schema'), { noSchema: true });
  try {
    const names = schemaNames(c);
    for (const s of [names.backup, names.interim]) {
      await conn.execute(`DROP DATABASE IF EXISTS ${quoteId(s)}`);
    }
  } finally {
    await conn.close();
  }
}
