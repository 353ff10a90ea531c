import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { DiffDocument } from '../../src/diff/result.js';
import { counts, diffSchemas, tableOf } from '../support/diff.js';
import { engineView, naiveDiff } from '../support/naive-diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/** Schema drift between the sides: reported per table, the common columns compared, no crash. */
const BACKUP = `
  CREATE TABLE cols (id INT PRIMARY KEY, a VARCHAR(10), b INT, gone TEXT);
  INSERT INTO cols VALUES (1,'x',1,'g'),(2,'y',2,'g'),(3,'z',3,'g');
  CREATE TABLE types (id INT PRIMARY KEY, n INT, s VARCHAR(10), d DECIMAL(10,2));
  INSERT INTO types VALUES (1, 5, 'é', 1.50), (2, 6, 'b', 2.00), (3, 7, 'c', 3.25);
  CREATE TABLE key_type (id INT PRIMARY KEY, v INT);
  INSERT INTO key_type VALUES (1,1),(2,2),(3,3),(4,4),(5,5),(6,6),(7,7);
  CREATE TABLE lost_pk (id INT PRIMARY KEY, v INT);
  INSERT INTO lost_pk VALUES (1,1),(2,2),(3,3);
  CREATE TABLE json_text (id INT PRIMARY KEY, doc JSON);
  INSERT INTO json_text VALUES (1, '{"a":1,"b":2}'), (2, '[1, 2]'), (3, '{"a":1}');
  CREATE TABLE latin (id INT PRIMARY KEY, s VARCHAR(10) CHARACTER SET latin1);
  INSERT INTO latin VALUES (1,'é'),(2,'ü'),(3,'a');
  CREATE TABLE nothing_common (a INT);
  INSERT INTO nothing_common VALUES (1),(2);
  CREATE TABLE only_backup (id INT PRIMARY KEY);
  INSERT INTO only_backup VALUES (1),(2),(3);
  CREATE TABLE gen (id INT PRIMARY KEY, a INT, twice INT AS (a * 2) VIRTUAL);
  INSERT INTO gen (id, a) VALUES (1,1),(2,2);
  CREATE TABLE wider_key (a INT NOT NULL, b INT NOT NULL, v INT, PRIMARY KEY (a));
  INSERT INTO wider_key VALUES (1,1,1),(2,2,2);
  CREATE VIEW v_cols AS SELECT id, a FROM cols;
  CREATE VIEW v_backup_only AS SELECT 1 AS one;
  CREATE TABLE key_coll (k VARCHAR(5) COLLATE utf8mb4_bin PRIMARY KEY, v INT);
  INSERT INTO key_coll VALUES ('a',1),('B',2),('c',3),('D',4),('e',5),('F',6),('g',7),('H',8);
  CREATE TABLE key_sign (k INT PRIMARY KEY, v INT);
  INSERT INTO key_sign VALUES (-9,1),(-5,1),(-1,1),(0,1),(1,1),(5,1),(7,1),(2000000000,1);
  CREATE TABLE key_scale (k DECIMAL(10,2) PRIMARY KEY, v INT);
  INSERT INTO key_scale VALUES (-1.25,1),(1.23,1),(1.24,1),(1.25,1),(2,1),(3.5,1),(4,1),(5,1);
  CREATE TABLE key_enum (k ENUM('a','b','c') PRIMARY KEY, v INT);
  INSERT INTO key_enum VALUES ('a',1),('b',2),('c',3);
  CREATE TABLE case_cols (ID INT PRIMARY KEY, Name VARCHAR(10), Gone INT);
  INSERT INTO case_cols VALUES (1,'a',0),(2,'b',0),(3,'c',0);
`;
const INTERIM = `
  CREATE TABLE cols (id INT PRIMARY KEY, a VARCHAR(10), b INT, added DATE);
  INSERT INTO cols VALUES (1,'x',1,NULL),(2,'Y',2,'2020-01-01'),(4,'w',4,NULL);
  CREATE TABLE types (id INT PRIMARY KEY, n BIGINT, s VARCHAR(20) CHARACTER SET utf8mb4, d DECIMAL(12,2));
  INSERT INTO types VALUES (1, 5, 'é', 1.50), (2, 6, 'b', 2.01), (3, 7, 'c', 3.25);
  CREATE TABLE key_type (id BIGINT UNSIGNED PRIMARY KEY, v INT);
  INSERT INTO key_type VALUES (1,1),(2,20),(3,3),(5,5),(6,6),(7,7),(8,8);
  CREATE TABLE lost_pk (id INT, v INT);
  INSERT INTO lost_pk VALUES (1,1),(2,20),(3,3),(3,3);
  CREATE TABLE json_text (id INT PRIMARY KEY, doc LONGTEXT);
  INSERT INTO json_text VALUES (1, '{ "b": 2, "a": 1 }'), (2, '[1,2]'), (3, '{"a":2}');
  CREATE TABLE latin (id INT PRIMARY KEY, s VARCHAR(10) CHARACTER SET utf8mb4);
  INSERT INTO latin VALUES (1,'é'),(2,'u'),(3,'a');
  CREATE TABLE nothing_common (b INT);
  INSERT INTO nothing_common VALUES (1),(2),(3);
  CREATE TABLE only_interim (id INT PRIMARY KEY);
  INSERT INTO only_interim VALUES (1);
  CREATE TABLE gen (id INT PRIMARY KEY, a INT, twice INT AS (a * 2) STORED);
  INSERT INTO gen (id, a) VALUES (1,1),(2,3);
  CREATE TABLE wider_key (a INT NOT NULL, b INT NOT NULL, v INT, PRIMARY KEY (a, b));
  INSERT INTO wider_key VALUES (1,1,1),(2,2,3);
  CREATE VIEW v_cols AS SELECT id, a FROM cols;
  CREATE VIEW v_interim_only AS SELECT 2 AS two;
  CREATE TABLE key_coll (k VARCHAR(5) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT);
  INSERT INTO key_coll VALUES ('a',1),('B',2),('c',3),('D',40),('e',5),('F',6),('g',7),('i',9);
  CREATE TABLE key_sign (k BIGINT UNSIGNED PRIMARY KEY, v INT);
  INSERT INTO key_sign VALUES (0,1),(1,1),(5,2),(7,1),(2000000000,1),(18446744073709551615,1);
  CREATE TABLE key_scale (k DECIMAL(12,4) PRIMARY KEY, v INT);
  INSERT INTO key_scale VALUES (-1.25,1),(1.2350,1),(1.24,1),(1.25,1),(2,2),(3.5,1),(4.0001,1),(5,1);
  CREATE TABLE key_enum (k ENUM('c','b','a') PRIMARY KEY, v INT);
  INSERT INTO key_enum VALUES ('a',1),('b',2),('c',30);
  CREATE TABLE case_cols (id INT PRIMARY KEY, name VARCHAR(10), added INT);
  INSERT INTO case_cols VALUES (1,'a',0),(2,'B',0),(4,'d',0);
`;

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;
let doc: DiffDocument;

beforeAll(async () => {
  backup = await schemas.create('drift_b');
  interim = await schemas.create('drift_i');
  await Promise.all([sql(backup, BACKUP), sql(interim, INTERIM)]);
  doc = await diffSchemas(backup, interim, { chunkRows: 2 });
});
afterAll(() => schemas.drop());

describe('schema drift', () => {
  it('ignores views, lists every base table once', () => {
    expect(doc.tables.map((t) => t.table)).toEqual([
      'case_cols',
      'cols',
      'gen',
      'json_text',
      'key_coll',
      'key_enum',
      'key_scale',
      'key_sign',
      'key_type',
      'latin',
      'lost_pk',
      'nothing_common',
      'only_backup',
      'only_interim',
      'types',
      'wider_key',
    ]);
  });

  it('columns on one side only: reported, the common columns compared', () => {
    const t = tableOf(doc, 'cols');
    expect(t.drift).toEqual({
      columnsOnlyInBackup: ['gone'],
      columnsOnlyInInterim: ['added'],
      typeChanged: [],
      identityChanged: null,
    });
    expect(counts(t)).toEqual({ identical: 1, changed: 1, onlyBackup: 1, onlyInterim: 1 });
    expect(t.changedColumns).toEqual({ a: 1 });
  });

  it('column names differ only in case: the same columns (MySQL names are case-blind)', () => {
    const t = tableOf(doc, 'case_cols');
    expect(t.drift).toEqual({
      columnsOnlyInBackup: ['Gone'],
      columnsOnlyInInterim: ['added'],
      typeChanged: [],
      identityChanged: null,
    });
    expect(t.identity).toBe('primary key (ID)');
    expect(counts(t)).toEqual({ identical: 1, changed: 1, onlyBackup: 1, onlyInterim: 1 });
    expect(t.samples.changed).toEqual([{ key: { ID: '2' }, columns: ['Name'] }]);
  });

  it('type changes: reported, equal values still equal', () => {
    const t = tableOf(doc, 'types');
    expect(t.drift?.typeChanged.map((c) => c.column)).toEqual(['n', 's', 'd']);
    expect(counts(t)).toEqual({ identical: 2, changed: 1, onlyBackup: 0, onlyInterim: 0 });
    expect(t.changedColumns).toEqual({ d: 1 });
  });

  it('a key column whose type changed still pairs the rows', async () => {
    const t = tableOf(doc, 'key_type');
    expect(t.identity).toBe('primary key (id)');
    expect(t.drift?.typeChanged.map((c) => c.column)).toEqual(['id']);
    expect(counts(t)).toEqual({ identical: 5, changed: 1, onlyBackup: 1, onlyInterim: 1 });
    const want = await naiveDiff(backup, interim, {
      table: 'key_type',
      columns: ['id', 'v'],
      key: ['id'],
    });
    expect(engineView(t)).toEqual(want);
  });

  it('a key whose collation differs (orders differ): a multiset, reported, no hang', () => {
    const t = tableOf(doc, 'key_coll');
    expect(t.drift?.typeChanged).toEqual([
      { column: 'k', backup: 'varchar(5) utf8mb4_bin', interim: 'varchar(5) utf8mb4_general_ci' },
    ]);
    expect(t.drift?.identityChanged).toEqual({
      backup: 'primary(k) ordered by utf8mb4_bin',
      interim: 'primary(k) ordered by utf8mb4_general_ci',
    });
    expect(t.identity).toBe('none (compared as a multiset)');
    expect(counts(t)).toEqual({ identical: 6, changed: 0, onlyBackup: 2, onlyInterim: 2 });
  });

  it('an ENUM key whose members moved: a multiset, reported', () => {
    const t = tableOf(doc, 'key_enum');
    expect(t.identity).toBe('none (compared as a multiset)');
    expect(counts(t)).toEqual({ identical: 2, changed: 0, onlyBackup: 1, onlyInterim: 1 });
  });

  it('a signed key against an unsigned one: negative and huge keys land in the right chunks', async () => {
    const t = tableOf(doc, 'key_sign');
    expect(t.identity).toBe('primary key (k)');
    const want = await naiveDiff(backup, interim, {
      table: 'key_sign',
      columns: ['k', 'v'],
      key: ['k'],
    });
    expect(want).toMatchObject({ identical: 4, changed: 1, onlyBackup: 3, onlyInterim: 1 });
    expect(engineView(t)).toEqual(want);
  });

  it('a DECIMAL key whose scale changed: 1.24 and 1.2400 are one key', () => {
    const t = tableOf(doc, 'key_scale');
    expect(t.identity).toBe('primary key (k)');
    // every shared key's text differs in scale ('1.24' vs '1.2400'): changed in k
    expect(counts(t)).toEqual({ identical: 0, changed: 6, onlyBackup: 2, onlyInterim: 2 });
    expect(t.samples.onlyBackup).toEqual([{ key: { k: '1.23' } }, { key: { k: '4.00' } }]);
    expect(t.samples.onlyInterim).toEqual([{ key: { k: '1.2350' } }, { key: { k: '4.0001' } }]);
    expect(t.changedColumns).toEqual({ k: 6, v: 1 });
  });

  it('a primary key on one side only: compared as a multiset, reported', () => {
    const t = tableOf(doc, 'lost_pk');
    expect(t.identity).toBe('none (compared as a multiset)');
    expect(t.drift?.identityChanged).toEqual({ backup: 'primary(id)', interim: 'none' });
    expect(counts(t)).toEqual({ identical: 2, changed: 0, onlyBackup: 1, onlyInterim: 2 });
  });

  it('a key with more columns on one side: compared as a multiset, reported', () => {
    const t = tableOf(doc, 'wider_key');
    expect(t.drift?.identityChanged).toEqual({ backup: 'primary(a)', interim: 'primary(a, b)' });
    expect(counts(t)).toEqual({ identical: 1, changed: 0, onlyBackup: 1, onlyInterim: 1 });
  });

  it('JSON on one side and plain text on the other compare as JSON', () => {
    const t = tableOf(doc, 'json_text');
    expect(t.drift?.typeChanged.map((c) => c.column)).toEqual(['doc']);
    expect(counts(t)).toEqual({ identical: 2, changed: 1, onlyBackup: 0, onlyInterim: 0 });
  });

  it('a charset change compares the characters, not the stored bytes', () => {
    const t = tableOf(doc, 'latin');
    expect(t.drift?.typeChanged.map((c) => c.column)).toEqual(['s']);
    expect(counts(t)).toEqual({ identical: 2, changed: 1, onlyBackup: 0, onlyInterim: 0 });
  });

  it('generated columns are compared, VIRTUAL or STORED', () => {
    const t = tableOf(doc, 'gen');
    expect(counts(t)).toEqual({ identical: 1, changed: 1, onlyBackup: 0, onlyInterim: 0 });
    expect(t.changedColumns).toEqual({ a: 1, twice: 1 });
  });

  it('no column in common: reported, rows counted, no crash', () => {
    const t = tableOf(doc, 'nothing_common');
    expect(t.drift).toMatchObject({ columnsOnlyInBackup: ['a'], columnsOnlyInInterim: ['b'] });
    expect(counts(t)).toEqual({ identical: 2, changed: 0, onlyBackup: 0, onlyInterim: 1 });
  });

  it('tables on one side only: every row on that side', () => {
    expect(tableOf(doc, 'only_backup')).toMatchObject({
      status: 'onlyInBackup',
      onlyBackup: 3,
      onlyInterim: 0,
    });
    expect(tableOf(doc, 'only_interim')).toMatchObject({
      status: 'onlyInInterim',
      onlyBackup: 0,
      onlyInterim: 1,
    });
  });

  it('totals add up, and drifted tables count as differences', () => {
    expect(doc.totals.tables).toBe(16);
    expect(doc.totals.tablesWithDrift).toBe(doc.tables.filter((t) => t.drift !== null).length);
    expect(doc.totals.onlyBackup).toBe(doc.tables.reduce((n, t) => n + t.onlyBackup, 0));
    expect(doc.totals.tablesWithDifferences).toBe(16);
  });
});
