import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { DiffDocument } from '../../src/diff/result.js';
import { counts, diffSchemas, tableOf } from '../support/diff.js';
import { serverFlavor } from '../support/flavor.js';
import { engineView, naiveDiff } from '../support/naive-diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Row identity: every kind of key column, composite keys, case-insensitive keys, keys found
 * through a unique index, and tables without a key, each chunked finely (2-3 rows a chunk) and
 * compared with the naive oracle.
 */
interface KeyCase {
  readonly table: string;
  /** the key column's type */
  readonly type: string;
  /** distinct keys, as SQL literals, in any order */
  readonly keys: readonly string[];
  /** keys only the interim has */
  readonly extra: readonly string[];
  readonly binary?: boolean;
}

const CASES: readonly KeyCase[] = [
  {
    table: 'k_int',
    type: 'INT',
    keys: ['-2147483648', '-5', '0', '1', '2', '3', '10', '2147483647'],
    extra: ['4', '-6'],
  },
  {
    table: 'k_bigu',
    type: 'BIGINT UNSIGNED',
    keys: ['0', '1', '9007199254740992', '9007199254740993', '18446744073709551614'],
    extra: ['18446744073709551615', '9007199254740994'],
  },
  {
    table: 'k_big',
    type: 'BIGINT',
    keys: ['-9223372036854775808', '-9007199254740993', '0', '9223372036854775806'],
    extra: ['9223372036854775807', '-9007199254740992'],
  },
  {
    table: 'k_dec',
    type: 'DECIMAL(30,6)',
    keys: [
      '-99999999999999999999.999999',
      '-1.5',
      '-1.4',
      '0',
      '0.000001',
      '1.5',
      '12345678901234567890.1',
    ],
    extra: ['12345678901234567890.100001', '-1.45'],
  },
  {
    table: 'k_float',
    type: 'FLOAT',
    keys: ['-1.1', '0', '0.1', '1.1', '1.5', '3.3', '1e10', '7.77'],
    extra: ['2.2', '-3.3'],
  },
  {
    table: 'k_double',
    type: 'DOUBLE',
    keys: [
      '-1.1',
      '0.1',
      '0.3',
      '0.30000000000000004',
      '1.7976931348623157e308',
      '2.2250738585072014e-308',
    ],
    extra: ['0.2', '2.5'],
  },
  {
    table: 'k_date',
    type: 'DATE',
    keys: ["'1000-01-01'", "'2020-02-29'", "'2020-03-01'", "'9999-12-31'", "'2021-01-01'"],
    extra: ["'2020-02-28'"],
  },
  {
    table: 'k_dtm',
    type: 'DATETIME(6)',
    keys: [
      "'2020-01-01 00:00:00'",
      "'2020-01-01 00:00:00.000001'",
      "'2020-01-01 00:00:00.5'",
      "'2020-01-01 00:00:01'",
      "'9999-12-31 23:59:59.999999'",
    ],
    extra: ["'2020-01-01 00:00:00.000002'"],
  },
  {
    table: 'k_ts',
    type: 'TIMESTAMP(6)',
    keys: [
      "'1970-01-01 00:00:01'",
      "'2020-03-29 01:30:00'",
      "'2020-03-29 02:30:00.25'",
      "'2038-01-19 03:14:07'",
    ],
    extra: ["'2000-01-01 00:00:00'"],
  },
  {
    table: 'k_time',
    type: 'TIME(2)',
    keys: [
      "'-838:59:59'",
      "'-00:00:01'",
      "'00:00:00'",
      "'00:00:00.01'",
      "'838:59:59'",
      "'12:00:00'",
    ],
    extra: ["'-12:00:00'"],
  },
  {
    table: 'k_year',
    type: 'YEAR',
    keys: ['1901', '1999', '2000', '2155'],
    extra: ['2024'],
  },
  {
    table: 'k_vbin',
    type: 'VARBINARY(8)',
    keys: [
      "X''",
      "X'00'",
      "X'0000'",
      "X'0001'",
      "X'7F'",
      "X'80'",
      "X'FF'",
      "X'FFFF'",
      "X'61'",
      "X'41'",
    ],
    extra: ["X'00FF'", "X'6100'"],
    binary: true,
  },
  {
    table: 'k_bin',
    type: 'BINARY(3)',
    keys: ["X'000000'", "X'000001'", "X'FF0000'", "X'800000'", "X'616263'"],
    extra: ["X'7F7F7F'"],
    binary: true,
  },
  {
    table: 'k_bit',
    type: 'BIT(10)',
    keys: ["b'0'", "b'1'", "b'11'", "b'1111111111'", "b'1000000000'", "b'10000000'"],
    extra: ["b'100'"],
    binary: true,
  },
  {
    table: 'k_enum',
    type: "ENUM('zeta','alpha','mid','Alpha2')",
    keys: ["'zeta'", "'alpha'", "'Alpha2'"],
    extra: ["'mid'"],
  },
  {
    table: 'k_vbinstr',
    type: 'VARCHAR(10) COLLATE utf8mb4_bin',
    keys: ["'a'", "'A'", "'b'", "'ä'", "'😀'", "''", "'a b'", "'Z'"],
    extra: ["'B'", "'😁'"],
  },
  {
    table: 'k_latin1',
    type: 'VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci',
    keys: ["'é'", "'f'", "'Ä'", "'z'", "'ÿ'", "'a'"],
    extra: ["'ö'"],
  },
  {
    table: 'k_nopad',
    // MariaDB's NO PAD binary collation; MySQL's is utf8mb4_0900_bin (see beforeAll)
    type: 'VARCHAR(10) COLLATE utf8mb4_nopad_bin',
    keys: ["'a'", "'a '", "'a  '", "'b'"],
    extra: ["'b '"],
  },
];

function caseScripts(c: KeyCase): { backup: string; interim: string } {
  const ddl = `CREATE TABLE ${c.table} (k ${c.type} NOT NULL PRIMARY KEY, v VARCHAR(20));`;
  const b = c.keys.map((k, i) => `(${k}, 'v${i}')`);
  // interim: every third row edited, every fourth deleted, the extras added
  const i = c.keys
    .map((k, n) => (n % 4 === 1 ? null : `(${k}, '${n % 3 === 0 ? `v${n}` : `w${n}`}')`))
    .filter((x) => x !== null);
  i.push(...c.extra.map((k, n) => `(${k}, 'x${n}')`));
  return {
    backup: `${ddl} INSERT INTO ${c.table} VALUES ${b.join(', ')};`,
    interim: `${ddl} INSERT INTO ${c.table} VALUES ${i.join(', ')};`,
  };
}

const SPECIAL_B = `
  CREATE TABLE composite (a INT NOT NULL, b VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL,
    c DATE NOT NULL, v INT, PRIMARY KEY (a, b, c));
  INSERT INTO composite VALUES
    (1,'x','2020-01-01',1),(1,'x','2020-01-02',2),(1,'y','2020-01-01',3),(1,'Y2','2020-01-01',4),
    (2,'a','2020-01-01',5),(2,'b','2020-01-01',6),(2,'c','2020-01-01',7),(3,'a','2020-01-01',8);
  CREATE TABLE ci_key (code VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT);
  INSERT INTO ci_key VALUES ('Shop1', 1), ('shop2', 2), ('a', 3), ('B', 4), ('same', 5), ('x', 6);
  CREATE TABLE by_unique (id INT NULL, email VARCHAR(50) NOT NULL, n INT, UNIQUE KEY uk_email (email));
  INSERT INTO by_unique VALUES (1,'a@x',1),(2,'b@x',2),(3,'c@x',3),(NULL,'d@x',4);
  CREATE TABLE nullable_unique (email VARCHAR(50) NULL, n INT, UNIQUE KEY uk (email));
  INSERT INTO nullable_unique VALUES ('a@x',1),(NULL,2),(NULL,2),('b@x',3);
  CREATE TABLE no_key (a INT, b VARCHAR(5));
  INSERT INTO no_key VALUES (1,'x'),(1,'x'),(1,'x'),(2,'y'),(3,NULL),(3,''),(4,'z');
  CREATE TABLE \`odd name\`\`s table\` (\`we\`\`ird id\` INT PRIMARY KEY, \`v a\` TEXT);
  INSERT INTO \`odd name\`\`s table\` VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d');
`;
const SPECIAL_I = `
  CREATE TABLE composite (a INT NOT NULL, b VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL,
    c DATE NOT NULL, v INT, PRIMARY KEY (a, b, c));
  INSERT INTO composite VALUES
    (1,'x','2020-01-01',1),(1,'x','2020-01-02',20),(1,'Y','2020-01-01',3),(1,'y2','2020-01-01',4),
    (2,'b','2020-01-01',6),(2,'c','2020-01-01',7),(2,'d','2020-01-01',9),(3,'a','2020-01-01',8);
  CREATE TABLE ci_key (code VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT);
  INSERT INTO ci_key VALUES ('shop1', 1), ('shop2', 2), ('a ', 3), ('b', 4), ('same', 5), ('y', 7);
  CREATE TABLE by_unique (id INT NULL, email VARCHAR(50) NOT NULL, n INT, UNIQUE KEY uk_email (email));
  INSERT INTO by_unique VALUES (1,'a@x',1),(2,'b@x',20),(NULL,'d@x',4),(5,'e@x',5);
  CREATE TABLE nullable_unique (email VARCHAR(50) NULL, n INT, UNIQUE KEY uk (email));
  INSERT INTO nullable_unique VALUES ('a@x',1),(NULL,2),('b@x',3),('c@x',4);
  CREATE TABLE no_key (a INT, b VARCHAR(5));
  INSERT INTO no_key VALUES (1,'x'),(2,'y'),(2,'y'),(3,NULL),(3,NULL),(4,'z');
  CREATE TABLE \`odd name\`\`s table\` (\`we\`\`ird id\` INT PRIMARY KEY, \`v a\` TEXT);
  INSERT INTO \`odd name\`\`s table\` VALUES (1,'a'),(2,'B'),(4,'d'),(5,'e');
`;

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;
let doc: DiffDocument;

beforeAll(async () => {
  backup = await schemas.create('keys_b');
  interim = await schemas.create('keys_i');
  const mysql = (await serverFlavor()) === 'mysql';
  const scripts = CASES.map((c) =>
    caseScripts(
      mysql ? { ...c, type: c.type.replace('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') } : c,
    ),
  );
  await Promise.all([
    sql(backup, scripts.map((s) => s.backup).join('\n') + SPECIAL_B),
    sql(interim, scripts.map((s) => s.interim).join('\n') + SPECIAL_I),
  ]);
  doc = await diffSchemas(backup, interim, { chunkRows: 2, concurrency: 3 });
}, 60_000);
afterAll(() => schemas.drop());

describe('keys of every type, chunked two rows at a time', () => {
  for (const c of CASES) {
    it(`${c.table}: ${c.type}`, async () => {
      const want = await naiveDiff(backup, interim, {
        table: c.table,
        columns: ['k', 'v'],
        key: ['k'],
        binary: c.binary ? ['k'] : [],
      });
      const t = tableOf(doc, c.table);
      expect(t.identity).toBe('primary key (k)');
      expect(engineView(t)).toEqual(want);
      // the fixture itself exercises every class
      expect(want.changed * want.onlyBackup * want.onlyInterim * want.identical).toBeGreaterThan(0);
    });
  }
});

describe('special keys', () => {
  it('composite key (INT, VARCHAR _ci, DATE): case-only key changes are changed rows', () => {
    const t = tableOf(doc, 'composite');
    expect(t.identity).toBe('primary key (a, b, c)');
    expect(counts(t)).toEqual({ identical: 4, changed: 3, onlyBackup: 1, onlyInterim: 1 });
    expect(t.samples.changed).toEqual([
      { key: { a: '1', b: 'x', c: '2020-01-02' }, columns: ['v'] },
      { key: { a: '1', b: 'Y', c: '2020-01-01' }, columns: ['b'] },
      { key: { a: '1', b: 'y2', c: '2020-01-01' }, columns: ['b'] },
    ]);
    expect(t.samples.onlyBackup).toEqual([{ key: { a: '2', b: 'a', c: '2020-01-01' } }]);
    expect(t.samples.onlyInterim).toEqual([{ key: { a: '2', b: 'd', c: '2020-01-01' } }]);
  });

  it("a _ci key: 'Shop1' vs 'shop1' and 'a' vs 'a ' are one key, changed", () => {
    const t = tableOf(doc, 'ci_key');
    expect(counts(t)).toEqual({ identical: 2, changed: 3, onlyBackup: 1, onlyInterim: 1 });
    expect(t.samples.changed).toEqual([
      { key: { code: 'a ' }, columns: ['code'] },
      { key: { code: 'b' }, columns: ['code'] },
      { key: { code: 'shop1' }, columns: ['code'] },
    ]);
    expect(t.samples.onlyBackup).toEqual([{ key: { code: 'x' } }]);
    expect(t.samples.onlyInterim).toEqual([{ key: { code: 'y' } }]);
  });

  it('a NOT NULL unique key stands in for a missing primary key', () => {
    const t = tableOf(doc, 'by_unique');
    expect(t.identity).toBe('unique key uk_email (email)');
    expect(counts(t)).toEqual({ identical: 2, changed: 1, onlyBackup: 1, onlyInterim: 1 });
    expect(t.samples.changed).toEqual([{ key: { email: 'b@x' }, columns: ['n'] }]);
  });

  it('a unique key that allows NULL is no identity: the table is a multiset', () => {
    const t = tableOf(doc, 'nullable_unique');
    expect(t.identity).toBe('none (compared as a multiset)');
    // (NULL,2) twice in backup, once in interim; ('c@x',4) only in interim
    expect(counts(t)).toEqual({ identical: 3, changed: 0, onlyBackup: 1, onlyInterim: 1 });
  });

  it('a table without a key counts duplicates with multiplicity', async () => {
    const t = tableOf(doc, 'no_key');
    expect(counts(t)).toEqual({ identical: 4, changed: 0, onlyBackup: 3, onlyInterim: 2 });
    expect(t.samples.onlyBackup).toEqual([
      { row: { a: '1', b: 'x' }, count: 2 },
      { row: { a: '3', b: '' }, count: 1 },
    ]);
    expect(t.samples.onlyInterim).toEqual([
      { row: { a: '2', b: 'y' }, count: 1 },
      { row: { a: '3', b: null }, count: 1 },
    ]);
    const want = await naiveDiff(backup, interim, {
      table: 'no_key',
      columns: ['a', 'b'],
      key: [],
    });
    expect(engineView(t)).toEqual(want);
  });

  it('a table and key column named with spaces and backticks', () => {
    const t = tableOf(doc, 'odd name`s table');
    expect(t.identity).toBe('primary key (we`ird id)');
    expect(counts(t)).toEqual({ identical: 2, changed: 1, onlyBackup: 1, onlyInterim: 1 });
    expect(t.samples.changed).toEqual([{ key: { 'we`ird id': '2' }, columns: ['v a'] }]);
  });

  it('every table compared, none drifted', () => {
    expect(doc.tables.map((t) => t.drift).filter((d) => d !== null)).toEqual([]);
    expect(doc.tables.every((t) => t.status === 'compared')).toBe(true);
  });
});
