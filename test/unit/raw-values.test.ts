import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellFromRaw } from '../../src/cell/cell-codec.js';
import type { ColumnInfo } from '../../src/introspect/types.js';
import { LITERALS } from '../../src/sql/bind.js';
import { rawTupleWriter } from '../../src/sql/raw-values.js';
import { storeValue } from '../../src/sql/values.js';
import { TYPE_FAMILIES } from '../support/type-families.js';

const FAMILIES = TYPE_FAMILIES;

/** Bytes a server may send, and texts that sit on the encoders' edges. */
const raw = fc.oneof(
  fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
  fc
    .constantFrom(
      '0',
      '-0',
      '007',
      '-12',
      '18446744073709551615',
      '-9223372036854775808',
      '1.50',
      '-0.01',
      '1e+20',
      '2020-01-01 00:00:00',
      "it's",
      'back\\slash',
      'nul\u0000byte',
      'é✓😀',
      '',
    )
    .map((s) => Buffer.from(s, 'utf8')),
);

describe('rawTupleWriter', () => {
  it("writes each value as storeValue writes the cell read from the same bytes (plan.sql's literals)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...FAMILIES), fc.option(raw, { nil: null })), {
          minLength: 1,
          maxLength: 8,
        }),
        (cols) => {
          const columns = cols.map(([family]) => ({ family }));
          const row = cols.map(([, v]) => v);
          const expected = `(${cols
            .map(([family, v]) =>
              storeValue({ family } as ColumnInfo, cellFromRaw(family, v), LITERALS),
            )
            .join(', ')})`;
          expect(rawTupleWriter(columns)(row)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
