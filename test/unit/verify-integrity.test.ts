import { describe, expect, it } from 'vitest';
import type { ColumnInfo, SchemaInfo, TableInfo } from '../../src/introspect/types.js';
import { islandsFit, uniqueKeysToCheck } from '../../src/verify/integrity.js';
import type { Reference } from '../../src/verify/integrity-sql.js';

function col(name: string, family: ColumnInfo['family']): ColumnInfo {
  return { name, family } as unknown as ColumnInfo;
}

function table(name: string, extra: Partial<TableInfo> = {}): TableInfo {
  return {
    name,
    columns: [col('id', 'integer'), col('pid', 'integer'), col('code', 'text')],
    primaryKey: ['id'],
    uniqueKeys: [
      { name: 'uk_code', unique: true, columns: ['code'], nullable: false, prefix: false },
      { name: 'uk_pre', unique: true, columns: ['code'], nullable: false, prefix: true },
    ],
    foreignKeys: [],
    identity: { kind: 'primary', columns: ['id'] },
    autoIncrement: null,
    triggers: [],
    engine: 'InnoDB',
    rowsEstimate: 1000,
    avgRowLength: 50,
    ...extra,
  };
}

describe('uniqueKeysToCheck', () => {
  it('InnoDB: the secondary unique keys, not the primary key (InnoDB cannot hold it twice)', () => {
    expect(uniqueKeysToCheck(table('t')).map((k) => k.name)).toEqual(['uk_code']);
  });
  it('another engine: the primary key too', () => {
    expect(uniqueKeysToCheck(table('t', { engine: 'MyISAM' })).map((k) => k.name)).toEqual([
      'PRIMARY',
      'uk_code',
    ]);
  });
});

describe('islandsFit', () => {
  const schema = (parentRows: number): SchemaInfo => ({
    schema: 's',
    tables: new Map([
      ['child', table('child', { rowsEstimate: 1000 })],
      ['parent', table('parent', { rowsEstimate: parentRows })],
    ]),
  });
  const ref = (x: Partial<Reference> = {}): Reference => ({
    name: 'fk',
    schema: 's',
    table: 'child',
    columns: ['pid'],
    refSchema: 's',
    refTable: 'parent',
    refColumns: ['id'],
    ...x,
  });
  it('one integer column to an integer column of a parent not much larger', () => {
    expect(islandsFit(ref(), schema(1000))).toBe(true);
    expect(islandsFit(ref(), schema(1_000_000))).toBe(false);
  });
  it('not for text, two columns, JSON documents or a parent in another schema', () => {
    const s = schema(1000);
    expect(islandsFit(ref({ columns: ['code'], refColumns: ['code'] }), s)).toBe(false);
    expect(islandsFit(ref({ columns: ['pid', 'id'], refColumns: ['id', 'pid'] }), s)).toBe(false);
    expect(islandsFit(ref({ path: '$.id' }), s)).toBe(false);
    expect(islandsFit(ref({ refSchema: 'other' }), s)).toBe(false);
  });
});
