import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { DiffMethod } from '../../src/diff/engine.js';
import type { DiffDocument, TableDiffResult } from '../../src/diff/result.js';
import { type DiffOptions, runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * The pre-pass is only a filter: both methods must give the same document, table by table,
 * down to the order of the sampled keys. The tables cover what could make them disagree:
 * composite and text keys under case-insensitive and PAD SPACE collations, JSON spelled
 * differently, NULL against '' and 'NULL', floats, keyless duplicates, drift of charset, type
 * and columns, and enough rows that chunks are skipped, split and listed.
 */
const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;

const DDL = `
CREATE TABLE customer (
  id INT PRIMARY KEY, email VARCHAR(80) NOT NULL, name VARCHAR(40) NULL, balance DECIMAL(12,2),
  score DOUBLE, rating FLOAT, born DATE, seen DATETIME(6), flags BIT(5), kind ENUM('a','b','c'),
  tags SET('x','y','z'), photo BLOB, doc JSON, UNIQUE KEY uk_email (email));
CREATE TABLE order_line (
  order_id INT NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL,
  note TEXT NULL, PRIMARY KEY (order_id, line));
CREATE TABLE merchant (
  code VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, title VARCHAR(40) NOT NULL);
CREATE TABLE blob_key (k VARBINARY(16) NOT NULL PRIMARY KEY, v INT NULL);
CREATE TABLE audit (who VARCHAR(20) NULL, what VARCHAR(20) NULL, n INT NULL);
CREATE TABLE audit_same (who VARCHAR(20) NULL, n INT NULL);
CREATE TABLE big (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(30) NOT NULL);
CREATE TABLE dense (id BIGINT PRIMARY KEY, v VARCHAR(10) NOT NULL);
CREATE TABLE huge_key (id BIGINT UNSIGNED PRIMARY KEY, v INT NOT NULL);
CREATE TABLE link (a INT NOT NULL, b VARCHAR(8) NOT NULL, PRIMARY KEY (a, b));
`;

function values(rows: string[][]): string {
  return rows.map((r) => `(${r.join(', ')})`).join(',\n');
}

function customers(): string[][] {
  return Array.from({ length: 600 }, (_, n) => {
    const id = n + 1;
    return [
      String(id),
      `'c${id}@x.io'`,
      id % 7 === 0 ? 'NULL' : `'name ${id}'`,
      `${(id * 13) % 10000}.${String(id % 100).padStart(2, '0')}`,
      `${id}.${id % 9}e-3`,
      `${id % 50}.25`,
      `'1990-01-01' + INTERVAL ${id} DAY`,
      `'2020-02-23 19:00:00.000001' + INTERVAL ${id} SECOND`,
      `b'${(id % 32).toString(2)}'`,
      `'${'abc'[id % 3]}'`,
      `'${['x', 'y,z', ''][id % 3]}'`,
      id % 5 === 0 ? 'NULL' : `x'00ff${(id % 256).toString(16).padStart(2, '0')}2c7c'`,
      id % 4 === 0 ? 'NULL' : `'{"a": ${id}, "b": [1, 2], "c": {"d": "e"}}'`,
    ];
  });
}

beforeAll(async () => {
  backup = await schemas.create('agree_b');
  interim = await schemas.create('agree_i');
  const cust = values(customers());
  const lines = values(
    Array.from({ length: 1500 }, (_, n) => [
      String(Math.floor(n / 5) + 1),
      String((n % 5) + 1),
      `'sku-${n % 37}'`,
      String(n % 9),
      n % 11 === 0 ? 'NULL' : `'line ${n}'`,
    ]),
  );
  const big = values(
    Array.from({ length: 12_000 }, (_, n) => [String(n + 1), String(n % 1000), `'big ${n + 1}'`]),
  );
  const dense = values(
    Array.from({ length: 3_000 }, (_, n) => [String(n * 1_000_003 - 1_500_000_000), `'d${n}'`]),
  );
  // keys a double cannot tell apart: 2^53 + 1 and neighbours, and the top of BIGINT UNSIGNED
  const huge = values(
    Array.from({ length: 400 }, (_, n) => [
      String(n % 2 === 0 ? 9007199254740993n + BigInt(n) : 18446744073709551615n - BigInt(n)),
      String(n),
    ]),
  );
  const common = `${DDL}
    INSERT INTO huge_key VALUES ${huge};
    INSERT INTO link VALUES ${values(Array.from({ length: 300 }, (_, n) => [String(Math.floor(n / 5)), `'t${n % 5}'`]))};
    INSERT INTO customer VALUES ${cust};
    INSERT INTO order_line VALUES ${lines};
    INSERT INTO merchant VALUES ('Shop1', 'one'), ('shop2', 'two'), ('a', 'pad'), ('Straße', 'st'), ('z', 'zed');
    INSERT INTO blob_key VALUES (x'00', 1), (x'002c', 2), (x'ff', NULL), (x'2c3a20', 4), (x'', 5);
    INSERT INTO audit VALUES ('ann', 'login', 1), ('ann', 'login', 1), ('bob', NULL, 2), (NULL, '', 3), ('cy', 'x', NULL);
    INSERT INTO audit_same VALUES ('ann', 1), ('ann', 1), (NULL, 2);
    INSERT INTO big VALUES ${big};
    INSERT INTO dense VALUES ${dense};
    CREATE TABLE drift_type (id INT PRIMARY KEY, v INT);
    CREATE TABLE drift_cols (id INT PRIMARY KEY, v VARCHAR(10));
    INSERT INTO drift_cols VALUES (1, 'a'), (2, 'b'), (3, 'c');
  `;
  await sql(
    backup,
    `${common}
    INSERT INTO drift_type VALUES (1, 10), (2, 20), (3, 30);
    CREATE TABLE drift_charset (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET latin1);
    INSERT INTO drift_charset VALUES (1, 'café'), (2, 'naïve'), (3, 'same');`,
  );
  await sql(
    interim,
    `${common}
    ALTER TABLE drift_type MODIFY v BIGINT;
    INSERT INTO drift_type VALUES (1, 10), (2, 21), (3, 30);
    ALTER TABLE drift_cols ADD COLUMN extra INT DEFAULT 7;
    UPDATE drift_cols SET v = 'B' WHERE id = 2;
    CREATE TABLE drift_charset (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4);
    INSERT INTO drift_charset VALUES (1, 'café'), (2, 'naive'), (3, 'same');
    -- NULL vs '' vs 'NULL', floats, bits, sets, blobs, JSON spelled differently (identical)
    UPDATE customer SET name = '' WHERE id = 7;
    UPDATE customer SET name = 'NULL' WHERE id = 14;
    UPDATE customer SET name = NULL WHERE id = 3;
    UPDATE customer SET score = score + 1e-12 WHERE id = 50;
    UPDATE customer SET rating = rating + 0.5 WHERE id = 51;
    UPDATE customer SET flags = b'0' WHERE id = 52;
    UPDATE customer SET tags = 'x,y' WHERE id = 53;
    UPDATE customer SET photo = x'00ff352c7c00' WHERE id = 54;
    UPDATE customer SET doc = '{"c":{"d":"e"},"b":[1,2],"a":55}' WHERE id = 55;
    UPDATE customer SET doc = '{"a": 57, "b": [2, 1], "c": {"d": "e"}}' WHERE id = 57;
    UPDATE customer SET seen = seen + INTERVAL 1 MICROSECOND WHERE id = 58;
    UPDATE customer SET email = 'C59@x.io' WHERE id = 59;
    DELETE FROM customer WHERE id IN (100, 101, 599);
    INSERT INTO customer (id, email) VALUES (1000, 'new@x.io'), (1001, 'new2@x.io');
    -- composite keys: a scattered edit, a clustered run at the end, rows gone and new
    UPDATE order_line SET qty = qty + 1 WHERE order_id = 40 AND line = 2;
    UPDATE order_line SET note = NULL WHERE order_id = 41 AND line = 1;
    UPDATE order_line SET note = CONCAT(IFNULL(note, ''), '!') WHERE order_id > 295;
    DELETE FROM order_line WHERE order_id = 120;
    INSERT INTO order_line VALUES (120, 9, 'sku-new', 1, NULL), (301, 1, 'sku-x', 2, 'late');
    -- text keys: a case change and a trailing space are the same key, with other content
    UPDATE merchant SET code = 'shop1' WHERE code = 'Shop1';
    UPDATE merchant SET code = 'a ' WHERE code = 'a';
    UPDATE merchant SET title = 'zed!' WHERE code = 'z';
    DELETE FROM merchant WHERE code = 'shop2';
    INSERT INTO merchant VALUES ('SHOP3', 'three');
    UPDATE blob_key SET v = 22 WHERE k = x'002c';
    UPDATE blob_key SET v = 0 WHERE k = x'ff';
    DELETE FROM blob_key WHERE k = x'';
    INSERT INTO blob_key VALUES (x'0000', 6);
    -- keyless: one duplicate fewer, a changed row, a new one
    DELETE FROM audit WHERE who = 'ann' LIMIT 1;
    UPDATE audit SET what = 'NULL' WHERE who = 'bob';
    INSERT INTO audit VALUES ('dee', 'x', 4);
    -- big: mostly identical, a clustered run deep inside and one edit at each end
    UPDATE big SET a = a + 1 WHERE id BETWEEN 7001 AND 7040;
    UPDATE big SET b = 'first' WHERE id = 1;
    UPDATE big SET b = 'last' WHERE id = 12000;
    INSERT INTO big VALUES (12001, 1, 'appended');
    UPDATE dense SET v = 'changed' WHERE id = 1000 * 1000003 - 1500000000;
    UPDATE huge_key SET v = v + 1 WHERE id IN (9007199254740993, 9007199254741003, 18446744073709551614);
    DELETE FROM huge_key WHERE id = 18446744073709551612;
    DELETE FROM link WHERE a = 7 AND b = 't2';
    INSERT INTO link VALUES (7, 'T2'), (999, 'x');`,
  );
}, 120_000);
afterAll(() => schemas.drop());

function diff(method: DiffMethod, more: Partial<DiffOptions> = {}): Promise<DiffDocument> {
  return runDiff({
    backup,
    interim,
    tables: null,
    concurrency: 3,
    method,
    sampleLimit: 100_000,
    outDir: null,
    logger: silentLogger(),
    ...more,
  });
}

/** A table's result without what may differ between methods (how, not what). */
function what(t: TableDiffResult) {
  const { method: _m, methodNote: _n, chunks: _c, chunksSkipped: _s, seconds: _t, ...rest } = t;
  return rest;
}

function table(doc: DiffDocument, name: string): TableDiffResult {
  const t = doc.tables.find((x) => x.table === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

describe('client and checksum methods', () => {
  it('give the same document, table by table', async () => {
    const client = await diff('client', { chunkRows: 97 });
    // small fixed chunks and small listings: chunks skipped, listed, split and read whole
    const small = await diff('checksum', {
      chunkRows: 500,
      tuning: { listRows: 120, fetchRows: 8, maxSuspects: 16 },
    });
    // the defaults, as the command runs
    const plain = await diff('checksum');
    for (const doc of [small, plain]) {
      expect(doc.totals).toEqual(client.totals);
      expect(doc.tables.map((t) => t.table)).toEqual(client.tables.map((t) => t.table));
      for (const t of client.tables) expect(what(table(doc, t.table))).toEqual(what(t));
    }

    // The comparison means something: every kind of difference is there …
    expect(table(client, 'customer')).toMatchObject({
      changed: 11,
      onlyBackup: 3,
      onlyInterim: 2,
      identical: 586,
    });
    expect(table(client, 'customer').changedColumns).toMatchObject({ name: 3, doc: 1 });
    expect(table(client, 'merchant')).toMatchObject({ changed: 3, onlyBackup: 1, onlyInterim: 1 });
    expect(table(client, 'audit')).toMatchObject({ onlyBackup: 2, onlyInterim: 2, identical: 3 });
    expect(table(client, 'drift_charset')).toMatchObject({ changed: 1, identical: 2 });
    expect(table(client, 'big')).toMatchObject({ changed: 42, onlyInterim: 1 });
    // (7,'t2') → (7,'T2') is the same key under a _ci collation, with other content
    expect(table(client, 'link')).toMatchObject({ changed: 1, onlyInterim: 1, identical: 299 });
    expect(table(client, 'huge_key')).toMatchObject({ changed: 3, onlyBackup: 1, identical: 396 });

    // … and the pre-pass did its work where it can be trusted, and stood aside where not.
    const methods = Object.fromEntries(small.tables.map((t) => [t.table, t.method]));
    expect(methods).toMatchObject({
      customer: 'checksum',
      order_line: 'checksum',
      merchant: 'checksum',
      blob_key: 'checksum',
      audit: 'checksum',
      audit_same: 'checksum',
      big: 'checksum',
      dense: 'checksum',
      huge_key: 'checksum',
      link: 'checksum',
      drift_charset: 'checksum',
      drift_cols: 'checksum',
      drift_type: 'client',
    });
    expect(table(small, 'drift_type').methodNote).toMatch(/column v changed type/);
    expect(table(small, 'big').chunksSkipped).toBeGreaterThan(15);
    expect(table(small, 'audit_same').chunksSkipped).toBe(table(small, 'audit_same').chunks);
    expect(table(small, 'dense').chunksSkipped).toBeGreaterThan(0);
    expect(table(client, 'big').chunksSkipped).toBe(0);
  });
});
