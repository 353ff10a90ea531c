import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowStringSql } from '../../src/checksum/row-expr.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import type { Connection } from '../../src/db/types.js';
import type { DbTarget } from '../../src/db/url.js';
import { RowEncoder } from '../../src/hash/row-encoding.js';
import { pairTables } from '../../src/introspect/compare.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import { TestSchemas } from '../support/schemas.js';

/**
 * The invariant the pre-pass rests on (row-expr.ts), checked on the real server over a types ×
 * edge-values matrix: the server's row string of a value determines the client's canonical
 * encoding of it (equal strings → equal encodings), so a chunk the server calls equal is one
 * the client would call equal. Where the expression uses a column's text as is, that text must
 * be the very bytes the protocol sends.
 */
const COLUMNS: readonly { name: string; type: string; values: readonly string[] }[] = [
  { name: 'ti', type: 'TINYINT', values: ['-128', '127', '0', '-1'] },
  { name: 'iz', type: 'INT(6) ZEROFILL', values: ['0', '42', '123456', '4294967295'] },
  {
    name: 'biu',
    type: 'BIGINT UNSIGNED',
    values: ['18446744073709551615', '18446744073709551614', '9007199254740993', '0'],
  },
  {
    name: 'dec',
    type: 'DECIMAL(30,6)',
    values: ['-123456789012345678.123456', '0', '-0.0', '1.5', '1.500001', "'1.500000'"],
  },
  { name: 'f', type: 'FLOAT', values: ['1.1', '1.5', '15e-1', '-3.4e38', '1e-30', '0', '-0.0'] },
  {
    name: 'd',
    type: 'DOUBLE',
    values: [
      '0.1',
      '1e-1',
      '0.30000000000000004',
      '0.3',
      '1.7976931348623157e308',
      '2.2250738585072014e-308',
      '4.9e-324',
      '-0.0',
      '0',
      '123456789012345680000',
      '1e15',
      '1e16',
      '-2.5',
    ],
  },
  { name: 'fd', type: 'DOUBLE(10,3)', values: ['1.5', '1.5004', '-0.001', '1234567.891'] },
  { name: 'dt', type: 'DATE', values: ["'1000-01-01'", "'9999-12-31'", "'2020-02-29'"] },
  {
    name: 'dtm',
    type: 'DATETIME(6)',
    values: ["'2020-01-01 00:00:00'", "'2020-01-01 00:00:00.000001'", "'2020-01-01 00:00:00.5'"],
  },
  {
    name: 'ts',
    type: 'TIMESTAMP(3) NULL',
    values: ["'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999'"],
  },
  {
    name: 'tm',
    type: 'TIME(3)',
    values: ["'-838:59:59'", "'838:59:59'", "'00:00:00.001'", "'-00:00:01'"],
  },
  { name: 'yr', type: 'YEAR', values: ['1901', '2155', '0', "'2020'"] },
  {
    name: 'ch',
    type: 'CHAR(8) COLLATE utf8mb4_general_ci',
    values: ["'Shop1'", "'shop1'", "'😀'", "''", "'a  '", "'a'", "' a'"],
  },
  {
    name: 'vc',
    type: 'VARCHAR(20) COLLATE utf8mb4_bin',
    values: ["'a'", "'a '", "''", "'NULL'", "'|'", "'1|'", "'e\u0301'", "'é'", "'0'"],
  },
  { name: 'l1', type: 'VARCHAR(10) CHARACTER SET latin1', values: ["'é'", "'e'", "'ÿ'", "'|'"] },
  { name: 'txt', type: 'MEDIUMTEXT', values: ["''", "'x'", "REPEAT('y', 70000)"] },
  { name: 'bin', type: 'BINARY(3)', values: ["x'000000'", "x''", "x'7c'", "x'00'"] },
  { name: 'vb', type: 'VARBINARY(8)', values: ["x''", "x'00'", "x'0000'", "x'7c30'", "x'ff'"] },
  { name: 'bl', type: 'BLOB', values: ["x''", "x'00ff'", "x'7c7c'"] },
  { name: 'bit', type: 'BIT(12)', values: ["b'0'", "b'1'", "b'100000000000'", "b'111111111111'"] },
  { name: 'en', type: "ENUM('a','b','a|b','')", values: ["'a'", "'b'", "'a|b'", "''"] },
  { name: 'st', type: "SET('x','y','z')", values: ["''", "'x'", "'x,y'", "'y,x'", "'z'"] },
  {
    name: 'js',
    type: 'JSON',
    values: [`'{"a": 1, "b": 2}'`, `'{"b":2,"a":1}'`, `'[1, 2]'`, `'"s"'`, `'null'`, `'1e400'`],
  },
  { name: 'g', type: 'POINT', values: ['POINT(1, 2)', 'POINT(2, 1)', 'POINT(-0.0, 0)'] },
];

/** Doubles of every magnitude, as literals that round-trip. */
function randomDoubles(n: number): string[] {
  const out: string[] = [];
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let k = 0; k < n; k++) {
    const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300);
    out.push(v.toPrecision(17));
  }
  return out;
}

const schemas = new TestSchemas();
let db: DbTarget;
let conn: Connection;

beforeAll(async () => {
  db = await schemas.create('srvtext');
  conn = await connect(db);
  for (const c of [
    ...COLUMNS,
    { name: 'dr', type: 'DOUBLE', values: randomDoubles(300) },
    {
      name: 'fr',
      type: 'FLOAT',
      values: randomDoubles(300).filter(
        (v) => Math.abs(Number(v)) < 1e38 && Math.abs(Number(v)) > 1e-38,
      ),
    },
  ]) {
    const t = quoteId(`t_${c.name}`);
    await conn.execute(`CREATE TABLE ${t} (id INT PRIMARY KEY, v ${c.type} NULL)`);
    const rows = [...c.values, 'NULL'].map((v, n) => `(${n + 1}, ${v})`);
    await conn.execute(`INSERT INTO ${t} VALUES ${rows.join(', ')}`);
  }
}, 120_000);
afterAll(async () => {
  await conn?.close();
  await schemas.drop();
});

describe('the server row string', () => {
  it('determines the canonical encoding, for every type and edge value', async () => {
    const info = await introspectSchema(conn, db.schema);
    let checked = 0;
    for (const table of info.tables.values()) {
      // the value column alone (the key would make every row string distinct)
      const only = { ...table, columns: table.columns.filter((c) => c.name === 'v') };
      const pair = pairTables(only, only);
      const col = pair.columns[0];
      if (!col) throw new Error(`no column v in ${table.name}`);
      const rows = await conn.rawRows(
        `SELECT ${rowStringSql(pair)}, v, CONCAT(v) FROM ${quoteId(table.name)} ORDER BY id`,
      );
      const encoder = new RowEncoder([col.family]);
      const canonicalOf = new Map<string, string>();
      for (const r of rows) {
        const serverString = (r[0] as Buffer).toString('hex');
        const canonical = Buffer.from(encoder.encode([r[1] ?? null])).toString('hex');
        const seen = canonicalOf.get(serverString);
        if (seen !== undefined) {
          expect(canonical, `${table.name}: one row string, two encodings`).toBe(seen);
        }
        canonicalOf.set(serverString, canonical);
        // Text used as is: the expression's bytes are the protocol's bytes.
        const asIs = ['integer', 'decimal', 'temporal', 'float', 'binary', 'geometry', 'json'];
        const utf8 = col.backup.charset === null || col.backup.charset.startsWith('utf8mb4');
        if (r[1] !== null && (asIs.includes(col.family) || (col.family === 'text' && utf8))) {
          expect(r[2], `${table.name}: CONCAT text differs from the protocol's`).toEqual(r[1]);
        }
        checked++;
      }
      // and the other way round, every distinct stored value has its own row string
      // (JSON aside: its text may spell one document two ways)
      const distinctValues = new Set(rows.map((r) => (r[1] ? r[1].toString('hex') : 'null')));
      if (col.family !== 'json') expect(canonicalOf.size).toBe(distinctValues.size);
    }
    expect(checked).toBeGreaterThan(450);
  });
});
