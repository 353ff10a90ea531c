import { describe, expect, it } from 'vitest';
import { compareKeyPart } from '../../src/chunk/boundaries.js';
import { keyColumn } from '../../src/chunk/key-sql.js';
import type { TypeFamily } from '../../src/introspect/types.js';
import { column } from '../support/columns.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Sorts texts with the client-side key order of a column. */
function sorted(family: TypeFamily, dataType: string, values: string[]): string[] {
  const k = keyColumn(column('k', family, { dataType }));
  return [...values].sort((x, y) => compareKeyPart(k, b(x), b(y), null, null));
}

describe('client-side key order (picks the nearer chunk boundary)', () => {
  it('orders TIME by duration, negative ones first', () => {
    const want = [
      '-838:59:59',
      '-100:00:00',
      '-00:00:01.5',
      '-00:00:01',
      '00:00:00',
      '00:00:00.25',
      '9:00:00',
      '100:00:00',
    ];
    expect(sorted('temporal', 'time', [...want].reverse())).toEqual(want);
  });

  it('orders DATETIME texts with and without fractions', () => {
    const want = [
      '2020-01-01 00:00:00',
      '2020-01-01 00:00:00.000001',
      '2020-01-01 00:00:00.5',
      '2020-01-01 00:00:01',
    ];
    expect(sorted('temporal', 'datetime', [...want].reverse())).toEqual(want);
  });

  it('orders integers, BIT and ENUM numbers beyond 2^53 exactly', () => {
    const want = [
      '-9223372036854775808',
      '-1',
      '0',
      '9007199254740992',
      '9007199254740993',
      '18446744073709551615',
    ];
    expect(sorted('integer', 'bigint', [...want].reverse())).toEqual(want);
    expect(sorted('bit', 'bit', ['512', '3', '100'])).toEqual(['3', '100', '512']);
  });

  it('orders decimals and floats numerically', () => {
    expect(sorted('decimal', 'decimal', ['10.5', '-2', '9.99', '-10'])).toEqual([
      '-10',
      '-2',
      '9.99',
      '10.5',
    ]);
    expect(sorted('float', 'double', ['1e10', '-1.5', '2', '0.1'])).toEqual([
      '-1.5',
      '0.1',
      '2',
      '1e10',
    ]);
  });

  it('uses collation weights for text when both values have one', () => {
    const k = keyColumn(column('k', 'text'));
    expect(compareKeyPart(k, b('b'), b('a'), b('\u0000A'), b('\u0000B'))).toBeLessThan(0);
    expect(compareKeyPart(k, null, b('a'), null, b('\u0000A'))).toBeLessThan(0);
  });
});
