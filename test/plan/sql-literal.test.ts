import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { ColumnInfo } from '../../src/introspect/types.js';
import { LITERALS } from '../../src/sql/bind.js';
import { exactCondition } from '../../src/sql/exact-match.js';
import { quoteText } from '../../src/sql/literal.js';
import { sqlLiteral } from '../../src/sql/values.js';
import { runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const col = (family: ColumnInfo['family'], name = 'c'): ColumnInfo => ({
  name,
  ordinal: 1,
  dataType: family,
  columnType: family,
  family,
  nullable: true,
  unsigned: false,
  charset: null,
  collation: null,
  generated: null,
  autoIncrement: false,
  onUpdate: false,
  numericPrecision: null,
  numericScale: null,
});

describe('plan.sql literals', () => {
  it('writes each kind of value the way the server stores it exactly', () => {
    expect(sqlLiteral(col('integer'), '18446744073709551615')).toBe('18446744073709551615');
    expect(sqlLiteral(col('decimal'), '-0.0001')).toBe('-0.0001');
    expect(sqlLiteral(col('float'), '1e308')).toBe("'1e308'");
    expect(sqlLiteral(col('text'), "O'Brien \\ x")).toBe("'O''Brien \\\\ x'");
    expect(sqlLiteral(col('text'), 'a\u0000b')).toBe("_utf8mb4 X'610062'");
    expect(sqlLiteral(col('binary'), { hex: '00ff27' })).toBe("X'00FF27'");
    expect(sqlLiteral(col('json'), null)).toBe('NULL');
    expect(quoteText('🦄')).toBe("'🦄'");
    expect(exactCondition(col('text'), 'a ', 'mariadb', LITERALS)).toBe(
      "CAST(CONVERT(`c` USING utf8mb4) AS BINARY) = CAST('a ' AS BINARY)",
    );
    expect(exactCondition(col('json'), '{"a":1}', 'mysql', LITERALS)).toBe(
      '`c` = CAST(\'{"a":1}\' AS JSON)',
    );
  });

  it('any string survives the mysql client byte for byte (property)', async () => {
    const t = await schemas.create('lit');
    await sql(
      t,
      'CREATE TABLE s (id INT PRIMARY KEY, v LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)',
    );
    const strings = fc
      .sample(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 30 }),
          fc.string({
            unit: fc.constantFrom(
              "'",
              '\\',
              '"',
              '`',
              ';',
              '-',
              '/',
              '*',
              '\n',
              '\r',
              '\u0000',
              '\u001a',
              '🦄',
              'é',
              ' ',
              '%',
              '_',
            ),
            maxLength: 12,
          }),
        ),
        { numRuns: 300, seed: 20200223 },
      )
      .filter((s) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));
    const dir = await tempDir('lit');
    await mkdir(dir, { recursive: true });
    const body = strings.map((s, i) => `INSERT INTO s VALUES (${i}, ${quoteText(s)});`).join('\n');
    await writeFile(join(dir, 'plan.sql'), `SET NAMES utf8mb4;\n${body}\n`);
    await runPlanSql(dir, t);
    const c = await connect(t);
    try {
      const rows = await c.rawRows('SELECT v FROM s ORDER BY id');
      expect(rows.map((r) => r[0]?.toString('utf8'))).toEqual(strings);
    } finally {
      await c.close();
    }
  });
});
