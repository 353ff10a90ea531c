import { describe, expect, it } from 'vitest';
import {
  boundaryExpr,
  compareKey,
  isNoPad,
  keyColumn,
  keyParam,
  orderBy,
  placeholder,
  rangePredicate,
} from '../../src/chunk/key-sql.js';
import { quoteId, quoteTable } from '../../src/db/quote.js';
import { column } from '../support/columns.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('identifier quoting', () => {
  it('doubles backticks and keeps spaces, so any name is one identifier', () => {
    expect(quoteId('order items')).toBe('`order items`');
    expect(quoteId('a`b; DROP TABLE c')).toBe('`a``b; DROP TABLE c`');
    expect(quoteTable('shop 1', 'we`ird name')).toBe('`shop 1`.`we``ird name`');
    expect(quoteId('``')).toBe('``````');
  });
  it('refuses names no server accepts', () => {
    expect(() => quoteId('')).toThrow();
    expect(() => quoteId('a\u0000b')).toThrow();
  });
});

describe('key predicates', () => {
  const id = keyColumn(column('id', 'integer'));
  const big = keyColumn(column('n', 'integer', { unsigned: true, dataType: 'bigint' }));
  const name = keyColumn(column('na`me', 'text'));
  const amount = keyColumn(
    column('amt', 'decimal', { numericPrecision: 12, numericScale: 3, dataType: 'decimal' }),
  );
  const raw = keyColumn(column('raw', 'binary', { dataType: 'varbinary' }));

  it('a single-column key compares directly', () => {
    expect(compareKey([id], [b('42')], '>')).toEqual({
      sql: '`id` > CAST(? AS DECIMAL(65, 0))',
      params: ['42'],
    });
    expect(compareKey([big], [b('18446744073709551615')], '<=')).toEqual({
      sql: '`n` <= CAST(? AS DECIMAL(65, 0))',
      params: ['18446744073709551615'],
    });
  });

  it('a composite key compares lexicographically, led by a range on its first column', () => {
    const gt = compareKey([id, name, amount], [b('7'), b('Shop1'), b('-1.500')], '>');
    expect(gt.sql).toBe(
      '(`id` >= CAST(? AS DECIMAL(65, 0)) AND (`id` > CAST(? AS DECIMAL(65, 0)) OR (`id` = CAST(? AS DECIMAL(65, 0)) AND ' +
        '(`na``me` > ? OR (`na``me` = ? AND `amt` > CAST(? AS DECIMAL(65, 3)))))))',
    );
    expect(gt.params).toEqual(['7', '7', '7', 'Shop1', 'Shop1', '-1.500']);
    const le = compareKey([id, name], [b('7'), b('x')], '<=');
    expect(le.sql).toBe(
      '(`id` <= CAST(? AS DECIMAL(65, 0)) AND (`id` < CAST(? AS DECIMAL(65, 0)) OR (`id` = CAST(? AS DECIMAL(65, 0)) AND `na``me` <= ?)))',
    );
    expect(le.params).toEqual(['7', '7', '7', 'x']);
  });

  it('casts integer and decimal values exactly, whichever side they came from', () => {
    // a signed value against an unsigned column, or a wider scale than the column's:
    // CAST(? AS UNSIGNED) would wrap -5, CAST(? AS DECIMAL(12, 3)) would round 1.2345
    expect(compareKey([big], [b('-5')], '>').sql).toBe('`n` > CAST(? AS DECIMAL(65, 0))');
    expect(compareKey([amount], [b('1.2345')], '<=').sql).toBe(
      '`amt` <= CAST(? AS DECIMAL(65, 4))',
    );
    expect(compareKey([amount], [b('-12')], '<=').sql).toBe('`amt` <= CAST(? AS DECIMAL(65, 0))');
    expect(placeholder(amount)).toBe('CAST(? AS DECIMAL(65, 3))');
  });

  it('a chunk is lo < key <= hi, open where a bound is missing', () => {
    expect(rangePredicate([id], null, null)).toEqual({ sql: '1=1', params: [] });
    expect(rangePredicate([id], [b('1')], null).sql).toBe('`id` > CAST(? AS DECIMAL(65, 0))');
    expect(rangePredicate([id], null, [b('9')]).sql).toBe('`id` <= CAST(? AS DECIMAL(65, 0))');
    expect(rangePredicate([id], [b('1')], [b('9')])).toEqual({
      sql: '`id` > CAST(? AS DECIMAL(65, 0)) AND `id` <= CAST(? AS DECIMAL(65, 0))',
      params: ['1', '9'],
    });
  });

  it('passes binary key values as bytes and text as strings', () => {
    const bytes = Buffer.from([0, 0xff, 0x60]);
    expect(keyParam(raw, bytes)).toEqual(bytes);
    expect(keyParam(name, b('é'))).toBe('é');
    expect(keyParam(name, null)).toBeNull();
    expect(placeholder(raw)).toBe('?');
  });

  it('orders by the key columns, quoted', () => {
    expect(orderBy([id, name])).toBe('`id`, `na``me`');
  });

  it('gives text keys a collation weight, trimmed under PAD SPACE', () => {
    expect(name.weight).toBe("WEIGHT_STRING(TRIM(TRAILING ' ' FROM `na``me`))");
    const nopad = keyColumn(column('k', 'text', { collation: 'utf8mb4_0900_ai_ci' }));
    expect(nopad.weight).toBe('WEIGHT_STRING(`k`)');
    expect(id.weight).toBeNull();
    expect(raw.weight).toBeNull();
    expect(isNoPad('utf8mb4_nopad_bin')).toBe(true);
    expect(isNoPad('utf8mb4_general_ci')).toBe(false);
  });

  it('takes ENUM boundaries as index numbers', () => {
    const e = keyColumn(column('st', 'enum'));
    expect(boundaryExpr(e)).toBe('(`st` + 0)');
    expect(placeholder(e)).toBe('CAST(? AS UNSIGNED)');
    expect(boundaryExpr(id)).toBe('`id`');
  });

  it('takes BIT boundaries as numbers: the server compares BIT with bytes as text', () => {
    const bit = keyColumn(column('flags', 'bit', { dataType: 'bit' }));
    expect(boundaryExpr(bit)).toBe('(`flags` + 0)');
    expect(placeholder(bit)).toBe('CAST(? AS UNSIGNED)');
    expect(keyParam(bit, b('512'))).toBe('512');
    expect(compareKey([bit], [b('512')], '<=')).toEqual({
      sql: '`flags` <= CAST(? AS UNSIGNED)',
      params: ['512'],
    });
  });
});
