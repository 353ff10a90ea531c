import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { DiffDocument } from '../../src/diff/result.js';
import { counts, diffSchemas, tableOf } from '../support/diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * The types × edge-values matrix (DESIGN.md §5). Every column gets a list of distinct stored
 * values (SQL literals) and pairs of literals that are written differently but store the same
 * value. One row per (value, value) pair, every other column NULL on both sides:
 * - a value against itself, and each `same` pair, must compare identical;
 * - a value against any other must be changed, in exactly that column.
 */
interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly values: readonly string[];
  /** [backup literal, interim literal, interim session time zone] that store one value */
  readonly same?: readonly (readonly [string, string, string?])[];
}

const COLUMNS: readonly ColumnSpec[] = [
  { name: 'ti', type: 'TINYINT', values: ['-128', '127', '0', '-1', 'NULL'] },
  { name: 'tiu', type: 'TINYINT UNSIGNED', values: ['0', '255', '1'] },
  { name: 'si', type: 'SMALLINT', values: ['-32768', '32767', '0'] },
  { name: 'mi', type: 'MEDIUMINT UNSIGNED', values: ['0', '16777215'] },
  { name: 'i', type: 'INT', values: ['-2147483648', '2147483647', '0', 'NULL'] },
  {
    name: 'bi',
    type: 'BIGINT',
    values: ['-9223372036854775808', '9223372036854775807', '9223372036854775806', '0', 'NULL'],
  },
  {
    name: 'biu',
    type: 'BIGINT UNSIGNED',
    // beyond 2^53: a double would make the last two equal
    values: ['18446744073709551615', '18446744073709551614', '9007199254740993', '0'],
    same: [['9007199254740993', "'9007199254740993'"]],
  },
  {
    name: 'dec',
    type: 'DECIMAL(30,6)',
    values: ['-123456789012345678.123456', '0', '1.5', '1.500001', '-1.5', 'NULL'],
    same: [
      ['1.5', "'1.500000'"],
      ['0', '-0.0'],
    ],
  },
  { name: 'dec0', type: 'DECIMAL(5,0)', values: ['99999', '-99999', '0'] },
  {
    name: 'f',
    type: 'FLOAT',
    values: ['1.1', '1.5', '-3.4e38', '1e-30', '0', 'NULL'],
    same: [['1.5', '15e-1']],
  },
  {
    name: 'd',
    type: 'DOUBLE',
    values: [
      '0.1',
      '0.30000000000000004',
      '0.3',
      '1.7976931348623157e308',
      '2.2250738585072014e-308',
      '-2.5',
    ],
    same: [['0.1', '1e-1']],
  },
  { name: 'dt', type: 'DATE', values: ["'1000-01-01'", "'9999-12-31'", "'2020-02-29'"] },
  {
    name: 'dtm',
    type: 'DATETIME(6)',
    values: [
      "'2020-01-01 00:00:00'",
      "'2020-01-01 00:00:00.000001'",
      "'9999-12-31 23:59:59.999999'",
      "'1000-01-01 00:00:00'",
    ],
    same: [["'2020-01-01 00:00:00.5'", "'2020-01-01T00:00:00.500000'"]],
  },
  {
    name: 'dtm0',
    type: 'DATETIME',
    values: ["'2020-01-01 00:00:00'", "'2020-01-01 00:00:01'"],
  },
  {
    name: 'ts',
    type: 'TIMESTAMP(6) NULL',
    values: [
      "'1970-01-01 00:00:01'",
      "'2038-01-19 03:14:07.999999'",
      "'2020-06-01 12:00:00.000001'",
      'NULL',
    ],
    // one instant written in another session time zone: read back in UTC, it is equal
    same: [["'2020-06-01 12:00:00'", "'2020-06-01 20:00:00'", '+08:00']],
  },
  {
    name: 'tm',
    type: 'TIME(3)',
    values: ["'-838:59:59'", "'838:59:59'", "'00:00:00'", "'00:00:00.001'", "'-00:00:01'"],
  },
  { name: 'yr', type: 'YEAR', values: ['1901', '2155', '0'], same: [['2020', "'2020'"]] },
  {
    name: 'ch',
    type: 'CHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
    values: ["'Shop1'", "'shop1'", "'😀'", "''", "'ß'", "'ss'", 'NULL'],
    // CHAR does not keep trailing spaces: 'a ' is stored as 'a'
    same: [["'a'", "'a  '"]],
  },
  {
    name: 'vc',
    type: 'VARCHAR(20) COLLATE utf8mb4_general_ci',
    values: ["'a'", "'a '", "'A'", "''", "'NULL'", 'NULL', "'😀'", "'e\u0301'", "'é'", "'0'"],
  },
  {
    name: 'l1',
    type: 'VARCHAR(10) CHARACTER SET latin1',
    values: ["'é'", "'e'", "'E'", "'ÿ'"],
  },
  {
    name: 'tx',
    type: 'TEXT',
    values: ["'x'", "'x  '", `'${'long '.repeat(2000)}'`, `'${'long '.repeat(2000)}!'`, "''"],
  },
  {
    name: 'bn',
    type: 'BINARY(4)',
    values: ["X'00000000'", "X'00FF0000'", "X'FFFFFFFF'", "X'80'", 'NULL'],
    // BINARY pads with NUL bytes
    same: [["X'FF'", "X'FF000000'"]],
  },
  {
    name: 'vb',
    type: 'VARBINARY(8)',
    values: ["X''", "X'00'", "X'0000'", "X'FF80'", "X'80FF'", "X'61'", "X'41'", 'NULL'],
    same: [["X'61'", "'a'"]],
  },
  { name: 'bl', type: 'BLOB', values: ["X'00FF00'", "X'00FF'", "X''", 'NULL'] },
  {
    name: 'b1',
    type: 'BIT(1)',
    values: ["b'0'", "b'1'", 'NULL'],
  },
  {
    name: 'b64',
    type: 'BIT(64)',
    values: ["b'0'", "b'1'", "X'FFFFFFFFFFFFFFFF'", "X'8000000000000000'"],
    same: [["b'101'", '5']],
  },
  {
    name: 'en',
    type: "ENUM('a','b','A','c') COLLATE utf8mb4_bin",
    values: ["'a'", "'b'", "'A'", "'c'", 'NULL'],
    same: [["'c'", '4']],
  },
  {
    name: 'st',
    type: "SET('x','y','z')",
    values: ["''", "'x'", "'x,y'", "'y,z'", "'x,y,z'"],
    same: [["'x,y'", "'y,x'"]],
  },
  {
    name: 'js',
    type: 'JSON',
    values: [
      `'{"a":1,"b":[1,2]}'`,
      `'{"a":1,"b":[2,1]}'`,
      `'{"a":"1","b":[1,2]}'`,
      `'12345678901234567890'`,
      `'12345678901234567891'`,
      `'"x"'`,
      `'"x "'`,
      `'null'`,
      'NULL',
      `'{}'`,
      `'[]'`,
    ],
    same: [
      [`'{"a":1,"b":[1,2]}'`, `'{ "b" : [1, 2],\n "a" : 1 }'`],
      [`'{"p":1.5}'`, `'{"p":1.50}'`],
      [`'"\\\\u00e9"'`, `'"é"'`],
    ],
  },
  {
    name: 'geo',
    type: 'GEOMETRY',
    values: [
      "ST_GeomFromText('POINT(1 2)')",
      "ST_GeomFromText('POINT(2 1)')",
      "ST_GeomFromText('POINT(1 2)', 4326)",
      "ST_GeomFromText('LINESTRING(0 0,1 1)')",
      'NULL',
    ],
  },
];

interface Expect {
  readonly id: number;
  /** the column that differs, or null for an identical row */
  readonly column: string | null;
}

function buildScripts(): { backup: string; interim: string; rows: Expect[] } {
  const cols = COLUMNS.map((c) => `\`${c.name}\` ${c.type}`).join(',\n  ');
  const ddl = `CREATE TABLE matrix (\n  id INT PRIMARY KEY,\n  ${cols}\n);\n`;
  const b: string[] = [];
  const i: string[] = [];
  const rows: Expect[] = [];
  let id = 0;
  const add = (col: string, bv: string, iv: string, differs: boolean, tz?: string): void => {
    id++;
    b.push(`INSERT INTO matrix (id, \`${col}\`) VALUES (${id}, ${bv});`);
    const ins = `INSERT INTO matrix (id, \`${col}\`) VALUES (${id}, ${iv});`;
    i.push(tz ? `SET time_zone = '${tz}'; ${ins} SET time_zone = '+00:00';` : ins);
    rows.push({ id, column: differs ? col : null });
  };
  for (const c of COLUMNS) {
    c.values.forEach((v, n) => {
      add(c.name, v, v, false);
      for (const w of c.values.slice(n + 1)) {
        add(c.name, v, w, true);
        add(c.name, w, v, true);
      }
    });
    for (const [bv, iv, tz] of c.same ?? []) add(c.name, bv, iv, false, tz);
  }
  return { backup: ddl + b.join('\n'), interim: ddl + i.join('\n'), rows };
}

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;
let expected: Expect[];
let doc: DiffDocument;

beforeAll(async () => {
  backup = await schemas.create('types_b');
  interim = await schemas.create('types_i');
  const scripts = buildScripts();
  expected = scripts.rows;
  await Promise.all([sql(backup, scripts.backup), sql(interim, scripts.interim)]);
  doc = await diffSchemas(backup, interim, { chunkRows: 97 });
});
afterAll(() => schemas.drop());

describe('types × edge values', () => {
  it('reads JSON as JSON and compares the table without drift', () => {
    const t = tableOf(doc, 'matrix');
    expect(t.drift).toBeNull();
    expect(t.identity).toBe('primary key (id)');
  });

  it('finds every single change, and no other', () => {
    const t = tableOf(doc, 'matrix');
    const changed = expected.filter((e) => e.column !== null);
    expect(counts(t)).toEqual({
      identical: expected.length - changed.length,
      changed: changed.length,
      onlyBackup: 0,
      onlyInterim: 0,
    });
    const got = new Map(t.samples.changed.map((s) => [Number(s.key.id), s.columns]));
    const wrong = changed
      .filter((e) => JSON.stringify(got.get(e.id)) !== JSON.stringify([e.column]))
      .map((e) => ({ id: e.id, want: e.column, got: got.get(e.id) }));
    expect(wrong).toEqual([]);
  });

  it('hashes equal values equal, however they were written', () => {
    const t = tableOf(doc, 'matrix');
    const changedIds = new Set(t.samples.changed.map((s) => Number(s.key.id)));
    const falseAlarms = expected
      .filter((e) => e.column === null && changedIds.has(e.id))
      .map((e) => e.id);
    expect(falseAlarms).toEqual([]);
  });

  it('counts changes per column', () => {
    const t = tableOf(doc, 'matrix');
    for (const c of COLUMNS) {
      const k = c.values.length;
      expect(t.changedColumns[c.name], c.name).toBe(k * (k - 1));
    }
  });
});
