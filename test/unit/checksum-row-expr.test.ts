import { describe, expect, it } from 'vitest';
import { rowHashSql, rowStringSql } from '../../src/checksum/row-expr.js';
import { unhashable } from '../../src/checksum/server-side.js';
import { prepassSupport } from '../../src/checksum/trust.js';
import type { ServerInfo } from '../../src/db/types.js';
import { pairTables } from '../../src/introspect/compare.js';
import type { ColumnInfo, RowIdentity, TableInfo, TypeFamily } from '../../src/introspect/types.js';

function col(name: string, family: TypeFamily, more: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    name,
    ordinal: 1,
    dataType: family === 'integer' ? 'int' : family === 'text' ? 'varchar' : family,
    columnType: family === 'integer' ? 'int(11)' : family === 'text' ? 'varchar(20)' : family,
    family,
    nullable: false,
    unsigned: false,
    charset: family === 'text' ? 'utf8mb4' : null,
    collation: family === 'text' ? 'utf8mb4_general_ci' : null,
    generated: null,
    autoIncrement: false,
    onUpdate: false,
    numericPrecision: null,
    numericScale: null,
    ...more,
  };
}

function tableOf(columns: ColumnInfo[], identity: RowIdentity): TableInfo {
  return {
    name: 't',
    columns,
    primaryKey: identity.kind === 'primary' ? identity.columns : null,
    uniqueKeys: [],
    foreignKeys: [],
    identity,
    autoIncrement: null,
    triggers: [],
    engine: 'InnoDB',
    rowsEstimate: 0,
    avgRowLength: 0,
  };
}

const PK: RowIdentity = { kind: 'primary', columns: ['id'] };
const MARIA: ServerInfo = { version: '10.11.19-MariaDB', flavor: 'mariadb' };
const MYSQL: ServerInfo = { version: '8.0.36', flavor: 'mysql' };

describe('rowStringSql', () => {
  it('flags NULLs in a leading bitmap and length-prefixes strings', () => {
    const t = tableOf(
      [
        col('id', 'integer'),
        col('name', 'text', { nullable: true }),
        col('photo', 'binary', { nullable: true }),
        col('flags', 'bit'),
        col('n', 'decimal'),
      ],
      PK,
    );
    expect(rowStringSql(pairTables(t, t))).toBe(
      "CONCAT_WS(_binary'|', ((`name` IS NULL) | (`photo` IS NULL) << 1), (`flags` + 0), `id`, `n`, LENGTH(`name`), `name`, LENGTH(`photo`), `photo`)",
    );
  });

  it('has no bitmap without nullable columns, and converts text whose charset differs', () => {
    const b = tableOf([col('id', 'integer'), col('v', 'text', { charset: 'latin1' })], PK);
    const i = tableOf([col('id', 'integer'), col('v', 'text')], PK);
    expect(rowStringSql(pairTables(b, i))).toBe(
      "CONCAT_WS(_binary'|', `id`, LENGTH(CONVERT(`v` USING utf8mb4)), CONVERT(`v` USING utf8mb4))",
    );
  });

  it('counts a column nullable on either side, and quotes every name', () => {
    const b = tableOf([col('id', 'integer'), col('a`b', 'integer', { nullable: true })], PK);
    const i = tableOf([col('id', 'integer'), col('a`b', 'integer')], PK);
    expect(rowStringSql(pairTables(b, i))).toContain('(`a``b` IS NULL)');
  });

  it('leaves out the columns a listing carries beside the hash', () => {
    const t = tableOf([col('id', 'integer'), col('v', 'text', { nullable: true })], PK);
    expect(rowStringSql(pairTables(t, t), ['id'])).toBe(
      "CONCAT_WS(_binary'|', (`v` IS NULL), LENGTH(`v`), `v`)",
    );
    const keysOnly = tableOf([col('id', 'integer')], PK);
    expect(rowStringSql(pairTables(keysOnly, keysOnly), ['id'])).toBe("_binary''");
  });

  it('wraps the row string in a 64-bit hash', () => {
    expect(rowHashSql('S', 'crc64-var')).toBe(
      '(CRC32(@reconcile_row := S) * CRC32C(@reconcile_row))',
    );
    expect(rowHashSql('S', 'sha1')).toBe('CAST(CONV(LEFT(SHA1(S), 16), 16, 10) AS UNSIGNED)');
  });
});

describe('unhashable', () => {
  it('gives a row the server cannot hash a value of its side, a number (sums stay exact)', () => {
    expect(unhashable('H', 'backup')).toBe('IFNULL(H, -1)');
    expect(unhashable('H', 'interim')).toBe('IFNULL(H, -2)');
  });
});

describe('prepassSupport', () => {
  const servers = { backup: MARIA, interim: MARIA };
  it('trusts identical shapes, charset drift and columns on one side only', () => {
    const t = tableOf([col('id', 'integer'), col('v', 'text')], PK);
    expect(prepassSupport(pairTables(t, t), servers)).toEqual({ ok: true });
    const latin = tableOf([col('id', 'integer'), col('v', 'text', { charset: 'latin1' })], PK);
    expect(prepassSupport(pairTables(latin, t), servers)).toEqual({ ok: true });
    const more = tableOf([col('id', 'integer'), col('v', 'text'), col('x', 'integer')], PK);
    expect(prepassSupport(pairTables(t, more), servers)).toEqual({ ok: true });
  });

  it('says why it stands aside', () => {
    const t = tableOf([col('id', 'integer'), col('v', 'integer')], PK);
    const big = tableOf(
      [col('id', 'integer'), col('v', 'integer', { columnType: 'bigint(20)' })],
      PK,
    );
    expect(prepassSupport(pairTables(t, big), servers)).toEqual({
      ok: false,
      reason: 'column v changed type (int(11) → bigint(20))',
    });
    const key = (collation: string) =>
      tableOf([col('id', 'text', { collation }), col('v', 'integer')], PK);
    expect(
      prepassSupport(pairTables(key('utf8mb4_general_ci'), key('utf8mb4_bin')), servers),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/utf8mb4_bin/) });
    const fk = tableOf([col('id', 'float'), col('v', 'integer')], PK);
    expect(prepassSupport(pairTables(fk, fk), servers)).toMatchObject({ ok: false });
    const f = tableOf([col('id', 'integer'), col('v', 'float')], PK);
    expect(prepassSupport(pairTables(f, f), { backup: MYSQL, interim: MYSQL })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/FLOAT\/DOUBLE column v/),
    });
    expect(prepassSupport(pairTables(f, f), servers)).toEqual({ ok: true });
    const j = tableOf([col('id', 'integer'), col('v', 'json')], PK);
    expect(prepassSupport(pairTables(j, j), { backup: MARIA, interim: MYSQL })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/JSON column v/),
    });
    const other = tableOf([col('id', 'integer'), col('v', 'integer')], {
      kind: 'unique',
      index: 'u',
      columns: ['v'],
    });
    expect(prepassSupport(pairTables(t, other), servers)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/row identity differs/),
    });
  });
});
