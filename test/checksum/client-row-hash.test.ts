import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowHashOf, rowStringBytes, tableRowColumns } from '../../src/checksum/client-row-hash.js';
import { columnsRowStringSql, rowHashSql } from '../../src/checksum/row-expr.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import type { Connection } from '../../src/db/types.js';
import type { DbTarget } from '../../src/db/url.js';
import { digestColumns } from '../../src/hash/digest.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import { TestSchemas } from '../support/schemas.js';

/**
 * The client computes the server's row string and row hash from the values the server sends,
 * byte for byte: over a table of every type, with edge values, NULLs, a latin1 column (the
 * string is converted to utf8mb4 on the server) and JSON as stored.
 */
const schemas = new TestSchemas();
let db: DbTarget;
let conn: Connection;

const DDL = `CREATE TABLE t (
  id INT NOT NULL PRIMARY KEY,
  bi BIGINT UNSIGNED NULL, dec6 DECIMAL(30,6) NULL, f FLOAT NULL, d DOUBLE NULL,
  dt DATE NULL, dtm DATETIME(6) NULL, ts TIMESTAMP(3) NULL, tm TIME(3) NULL, yr YEAR NULL,
  vc VARCHAR(20) COLLATE utf8mb4_bin NULL, ci CHAR(8) COLLATE utf8mb4_general_ci NOT NULL DEFAULT '',
  l1 VARCHAR(10) CHARACTER SET latin1 NULL, txt MEDIUMTEXT NULL,
  bin BINARY(3) NULL, vb VARBINARY(8) NULL, bl BLOB NULL, b12 BIT(12) NULL,
  en ENUM('a','b','a|b','') NULL, st SET('x','y','z') NULL, js JSON NULL, g POINT NULL
) ENGINE=InnoDB`;
const ROWS = `INSERT INTO t VALUES
  (1, 18446744073709551615, -123456789012345678.123456, 1.1, 0.30000000000000004, '1000-01-01',
   '2020-01-01 00:00:00.000001', '2038-01-19 03:14:07.999', '-838:59:59', 2155, 'a|b ', 'Shop1',
   'é|ÿ', REPEAT('y', 70000), x'7c0000', x'', x'00ff', b'100000000001', 'a|b', 'x,z',
   '{"b": 2561.0,  "a" :1}', POINT(1, 2)),
  (2, 0, 0, -3.4e38, 1.7976931348623157e308, '9999-12-31', '2020-01-01 00:00:00', NULL,
   '00:00:00.001', 0, '', '', '', '', x'000000', x'00', x'', b'0', '', '', '[ ]', POINT(-0.0, 0)),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'n', NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL)`;

beforeAll(async () => {
  db = await schemas.create('crh');
  conn = await connect(db);
  await conn.execute(DDL);
  await conn.execute(ROWS);
});
afterAll(async () => {
  await conn?.close();
  await schemas.drop();
});

describe("the server's row hash, computed in the client", () => {
  it('gives the row string and both row hashes the server computes, for every type', async () => {
    const info = (await introspectSchema(conn, db.schema)).tables.get('t');
    if (!info) throw new Error('no table t');
    const stored = digestColumns(info);
    const cols = tableRowColumns(stored);
    expect(cols.find((c) => c.name === 'l1')?.convert).toBe(true);
    const s = columnsRowStringSql(cols);
    const list = stored.map((c) => quoteId(c.name)).join(', ');
    const rows = await conn.rawRows(
      `SELECT ${s}, ${rowHashSql(s, 'crc64-var')}, ${rowHashSql(s, 'sha1')}, ${list} FROM t ORDER BY id`,
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      const values = r.slice(3);
      const bytes = rowStringBytes(cols, values);
      expect(bytes.toString('hex')).toBe(r[0]?.toString('hex'));
      expect(rowHashOf('crc64-var', bytes).toString()).toBe(r[1]?.toString());
      expect(rowHashOf('sha1', bytes).toString()).toBe(r[2]?.toString());
    }
  });
});
