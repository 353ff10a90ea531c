/**
 * The restore-heavy incident of `npm run bench:scale`, generated on the server from MariaDB's
 * SEQUENCE engine (`seq_1_to_N`), so no row crosses the wire. Three tables with declared
 * foreign keys, about 10% / 45% / 45% of the backup's rows:
 *
 *   accounts (id, email UNIQUE, name, created_at)
 *   ledger (id, account_id → accounts, amount, note, created_at)
 *   ledger_lines (id, ledger_id → ledger, sku, quantity, price, created_at)
 *
 * The interim already holds a quarter of the backup: every fourth block of accounts, with their
 * ledger and lines (a per-tenant restore done by hand during the incident). Children are
 * numbered in their parent's order, so a block of accounts is a block of ids in every table;
 * that gives restored ranges a plan can describe as ranges, which the plan-size target assumes.
 * About 1% of accounts are sign-ups made after the incident start holding ids the backup also
 * holds (collisions), each with two ledger entries and their lines (ids above the backup's).
 */
import { quoteId } from '../src/db/quote.js';

/** Backup rows per table, and the block of accounts restored (or not) as one. */
export interface IncidentShape {
  readonly accounts: number;
  readonly ledger: number;
  readonly lines: number;
  /** accounts per block: blocks whose index is 3 mod 4 are already in the interim */
  readonly block: number;
  /**
   * one sign-up per this many account ids, in blocks not yet restored (default 75: about 1% of
   * accounts); `npm run bench:live` sets it to reach its number of remapped rows
   */
  readonly signupEvery?: number;
}

export const TABLES = ['accounts', 'ledger', 'ledger_lines'] as const;
export type TableName = (typeof TABLES)[number];

export const INCIDENT_START = '2020-02-23T19:00:00+00:00';
/** One sign-up per this many account ids in blocks not yet restored: about 1% of accounts. */
const SIGNUP_EVERY = 75;
/** Rows per INSERT … SELECT, so no transaction grows without bound at 10M rows. */
const SLICE = 500_000;

export function incidentShape(rows: number): IncidentShape {
  const accounts = Math.max(40, Math.round(rows / 10));
  const ledger = Math.round((rows - accounts) / 2);
  return {
    accounts,
    ledger,
    lines: rows - accounts - ledger,
    block: Math.max(1, Math.min(1000, Math.floor(accounts / 40))),
  };
}

export const DDL = `
CREATE TABLE accounts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(120) NOT NULL,
  name VARCHAR(80) NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uk_accounts_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE ledger (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  note VARCHAR(64) NULL,
  created_at DATETIME NOT NULL,
  KEY k_ledger_account (account_id),
  CONSTRAINT fk_ledger_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE ledger_lines (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ledger_id BIGINT UNSIGNED NOT NULL,
  sku VARCHAR(24) NOT NULL,
  quantity INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  created_at DATETIME NOT NULL,
  KEY k_lines_ledger (ledger_id),
  CONSTRAINT fk_lines_ledger FOREIGN KEY (ledger_id) REFERENCES ledger (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;`;

export const COLUMNS: Record<TableName, readonly string[]> = {
  accounts: ['id', 'email', 'name', 'created_at'],
  ledger: ['id', 'account_id', 'amount', 'note', 'created_at'],
  ledger_lines: ['id', 'ledger_id', 'sku', 'quantity', 'price', 'created_at'],
};

function rowCount(s: IncidentShape, t: TableName): number {
  return t === 'accounts' ? s.accounts : t === 'ledger' ? s.ledger : s.lines;
}

/** The backup's row `seq` of table `t`, as a SELECT list naming the table's columns. */
function backupRow(s: IncidentShape, t: TableName): string {
  switch (t) {
    case 'accounts':
      return `seq AS id, CONCAT('user', seq, '@example.com') AS email,
        CONCAT('Account ', seq) AS name,
        TIMESTAMPADD(SECOND, seq * 7, '2018-01-01 00:00:00') AS created_at`;
    case 'ledger':
      return `seq AS id, 1 + ((seq - 1) * ${s.accounts}) DIV ${s.ledger} AS account_id,
        ((seq * 7919) % 100000) / 100 - 300 AS amount,
        IF(seq % 7 = 0, NULL, CONCAT('payment ', seq % 1000)) AS note,
        TIMESTAMPADD(SECOND, seq * 3, '2018-06-01 00:00:00') AS created_at`;
    case 'ledger_lines':
      return `seq AS id, 1 + ((seq - 1) * ${s.ledger}) DIV ${s.lines} AS ledger_id,
        CONCAT('SKU-', LPAD(seq % 5000, 5, '0')) AS sku, 1 + seq % 9 AS quantity,
        (seq % 20000) / 100 AS price,
        TIMESTAMPADD(SECOND, seq * 3 + 1, '2018-06-01 00:00:00') AS created_at`;
  }
}

/**
 * The rows of `t` the interim already holds, as a condition on the backup's columns: the
 * account's block is 3 mod 4. The negation selects the rows the merge must restore, the same
 * rows `mariadb-dump --where` and the plain `INSERT … SELECT` copy.
 */
export function inInterim(s: IncidentShape, t: TableName): string {
  const account =
    t === 'accounts'
      ? '(id - 1)'
      : t === 'ledger'
        ? '(account_id - 1)'
        : `(((ledger_id - 1) * ${s.accounts}) DIV ${s.ledger})`;
  return `(${account} DIV ${s.block}) % 4 = 3`;
}

export function restoredRows(s: IncidentShape, t: TableName): string {
  return `NOT (${inInterim(s, t)})`;
}

function slices(n: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let from = 1; from <= n; from += SLICE)
    out.push({ from, to: Math.min(n, from + SLICE - 1) });
  return out;
}

/**
 * The statements that fill one side, each one slice of one table. The interim side holds the
 * restored quarter and the colliding sign-ups with their children. Foreign key checks are off
 * as a restore's are: the generator writes parents before children anyway.
 */
export function fillStatements(s: IncidentShape, side: 'backup' | 'interim'): string[] {
  const out = ['SET SESSION FOREIGN_KEY_CHECKS = 0', 'SET SESSION unique_checks = 0'];
  for (const t of TABLES) {
    for (const { from, to } of slices(rowCount(s, t))) {
      const rows = `SELECT ${backupRow(s, t)} FROM seq_${from}_to_${to}`;
      const where = side === 'interim' ? ` WHERE ${inInterim(s, t)}` : '';
      out.push(`INSERT INTO ${quoteId(t)} SELECT * FROM (${rows}) r${where}`);
    }
    if (side === 'interim') out.push(signupStatement(s, t));
  }
  return out;
}

/** The sign-ups: ids in blocks the interim does not hold yet, so each one collides. */
function signups(s: IncidentShape): string {
  const every = s.signupEvery ?? SIGNUP_EVERY;
  return `SELECT seq AS n, seq * ${every} AS account_id
    FROM seq_1_to_${Math.max(1, Math.floor(s.accounts / every))}
   WHERE ((seq * ${every} - 1) DIV ${s.block}) % 4 <> 3`;
}

function signupStatement(s: IncidentShape, t: TableName): string {
  const after = `'2020-02-24 08:00:00'`;
  const two = `(${signups(s)}) u CROSS JOIN seq_0_to_1 k`;
  switch (t) {
    case 'accounts':
      return `INSERT INTO accounts SELECT account_id, CONCAT('signup', account_id, '@example.net'),
        'New account', TIMESTAMPADD(MINUTE, n, ${after}) FROM (${signups(s)}) u`;
    case 'ledger':
      return `INSERT INTO ledger SELECT ${s.ledger} + 2 * n - 1 + k.seq, account_id, 10.00,
        'interim', TIMESTAMPADD(MINUTE, n, ${after}) FROM ${two}`;
    case 'ledger_lines':
      return `INSERT INTO ledger_lines SELECT ${s.lines} + 2 * n - 1 + k.seq,
        ${s.ledger} + 2 * n - 1 + k.seq, 'SKU-NEW', 1, 10.00, TIMESTAMPADD(MINUTE, n, ${after})
        FROM ${two}`;
  }
}

/** The config `reconcile plan` reads: rows created after the start that share an id collide. */
export function planConfig(urls: { backup: string; interim: string; target: string }): string {
  return `${JSON.stringify(
    {
      backup: urls.backup,
      interim: urls.interim,
      target: urls.target,
      incident: { start: INCIDENT_START },
      defaults: { createdAt: 'created_at' },
    },
    null,
    2,
  )}\n`;
}
