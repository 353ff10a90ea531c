import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowHashOf, rowStringBytes } from '../../src/checksum/client-row-hash.js';
import type { RowStringColumn } from '../../src/checksum/row-expr.js';
import { rowHasher } from '../../src/checksum/row-hasher.js';
import type { TypeFamily } from '../../src/introspect/types.js';
import { TYPE_FAMILIES } from '../support/type-families.js';

const FAMILIES = TYPE_FAMILIES;

const column = fc.record({
  family: fc.constantFrom(...FAMILIES),
  nullable: fc.boolean(),
});

/** A value as the server sends it: bytes (any, for the families hashed by their bytes). */
const value = fc.option(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  {
    nil: null,
  },
);

function columnsOf(specs: readonly { family: TypeFamily; nullable: boolean }[]): RowStringColumn[] {
  return specs.map((s, i) => ({
    name: `c${i}`,
    family: s.family,
    nullable: s.nullable,
    convert: false,
  }));
}

describe('rowHasher', () => {
  for (const fn of ['crc64-var', 'sha1'] as const) {
    it(`hashes every row as rowHashOf(rowStringBytes) does (${fn})`, () => {
      fc.assert(
        fc.property(
          fc
            .array(column, { maxLength: 12 })
            .chain((specs) =>
              fc.tuple(
                fc.constant(specs),
                fc.array(
                  fc.tuple(
                    ...specs.map((s) =>
                      s.nullable ? value : value.map((v) => v ?? Buffer.alloc(0)),
                    ),
                  ),
                  { minLength: 1, maxLength: 5 },
                ),
              ),
            ),
          ([specs, rows]) => {
            const columns = columnsOf(specs);
            const hash = rowHasher(columns, fn);
            for (const r of rows) expect(hash(r)).toBe(rowHashOf(fn, rowStringBytes(columns, r)));
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('agrees on tables with more nullable columns than one bitmap holds (52, 60, 130)', () => {
    for (const width of [52, 53, 60, 61, 130]) {
      const columns = columnsOf(
        Array.from({ length: width }, (_, i) => ({
          family: i % 3 === 0 ? ('text' as const) : ('integer' as const),
          nullable: true,
        })),
      );
      const hash = rowHasher(columns, 'crc64-var');
      const rows = [
        columns.map(() => null),
        columns.map((_, i) => (i % 2 === 0 ? null : Buffer.from(String(i)))),
        columns.map((_, i) => (i === width - 1 ? null : Buffer.from('x'))),
      ];
      for (const r of rows) {
        expect(hash(r)).toBe(rowHashOf('crc64-var', rowStringBytes(columns, r)));
      }
    }
  });

  it('gives different hashes to rows that differ only in where a NULL is', () => {
    const columns = columnsOf([
      { family: 'text', nullable: true },
      { family: 'text', nullable: true },
    ]);
    const hash = rowHasher(columns, 'crc64-var');
    expect(hash([Buffer.from('a'), null])).not.toBe(hash([null, Buffer.from('a')]));
  });

  it('keeps no state from a longer row before (its scratch buffer is rewritten)', () => {
    const columns = columnsOf([{ family: 'binary', nullable: false }]);
    const hash = rowHasher(columns, 'crc64-var');
    const short = hash([Buffer.from('ab')]);
    hash([Buffer.alloc(5000, 7)]);
    expect(hash([Buffer.from('ab')])).toBe(short);
  });
});
