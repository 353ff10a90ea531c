import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawValue } from '../../src/db/types.js';
import {
  FLAG_NULL,
  FLAG_RAW_JSON,
  FLAG_VALUE,
  RowEncoder,
  splitEncoded,
} from '../../src/hash/row-encoding.js';
import type { TypeFamily } from '../../src/introspect/types.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const enc = (families: TypeFamily[], values: RawValue[]): Buffer =>
  Buffer.from(new RowEncoder(families).encode(values));

describe('RowEncoder', () => {
  it('length-prefixes every value: (ab, c) and (a, bc) differ', () => {
    const t: TypeFamily[] = ['text', 'text'];
    expect(enc(t, [b('ab'), b('c')]).equals(enc(t, [b('a'), b('bc')]))).toBe(false);
    expect(enc(t, [b(''), b('abc')]).equals(enc(t, [b('abc'), b('')]))).toBe(false);
  });

  it('lays out (flag, 4-byte little-endian length, bytes) per column, NULL as a lone flag', () => {
    const e = enc(['text', 'integer', 'binary'], [b('hé'), null, Buffer.from([0, 255])]);
    expect([...e]).toEqual([
      FLAG_VALUE,
      3,
      0,
      0,
      0,
      0x68,
      0xc3,
      0xa9,
      FLAG_NULL,
      FLAG_VALUE,
      2,
      0,
      0,
      0,
      0,
      255,
    ]);
  });

  it('tells NULL, empty, the text NULL and 0 apart', () => {
    const forms = [null, b(''), b('NULL'), b('0'), b('\u0000')].map((v) => enc(['text'], [v]));
    for (let i = 0; i < forms.length; i++) {
      for (let j = i + 1; j < forms.length; j++) {
        expect((forms[i] as Buffer).equals(forms[j] as Buffer), `${i} vs ${j}`).toBe(false);
      }
    }
    // across two columns too: (NULL, '') vs ('', NULL)
    const t: TypeFamily[] = ['text', 'text'];
    expect(enc(t, [null, b('')]).equals(enc(t, [b(''), null]))).toBe(false);
  });

  it('keeps case and trailing spaces of text', () => {
    expect(enc(['text'], [b('Shop1')]).equals(enc(['text'], [b('shop1')]))).toBe(false);
    expect(enc(['text'], [b('a')]).equals(enc(['text'], [b('a ')]))).toBe(false);
  });

  it('canonicalises JSON columns and only them', () => {
    const x = b('{"b": 1, "a": [1.50, 2]}');
    const y = b('{"a":[1.5,2],"b":1}');
    expect(enc(['json'], [x]).equals(enc(['json'], [y]))).toBe(true);
    expect(enc(['text'], [x]).equals(enc(['text'], [y]))).toBe(false);
    expect(enc(['json'], [x]).subarray(5).toString()).toBe('{"a":[1.5,2],"b":1}');
  });

  it('hashes JSON that does not parse as its bytes, under a flag of its own', () => {
    const bad = b('{"a":');
    const e = enc(['json'], [bad]);
    expect(e[0]).toBe(FLAG_RAW_JSON);
    expect(e.subarray(5).equals(bad)).toBe(true);
    // never equal to a valid document's encoding, even one with the same bytes elsewhere
    expect(e.equals(enc(['text'], [bad]))).toBe(false);
  });

  it('encodes values from an offset, and reuses its buffer (callers copy)', () => {
    const e = new RowEncoder(['text']);
    const first = e.encode([b('skip'), b('x')], 1);
    expect(Buffer.from(first).equals(enc(['text'], [b('x')]))).toBe(true);
    const copy = Buffer.from(first);
    e.encode([b('y')]);
    expect(copy.subarray(5).toString()).toBe('x');
  });

  it('grows past its initial buffer for large values', () => {
    const big = Buffer.alloc(200_000, 7);
    const e = enc(['binary', 'text'], [big, b('tail')]);
    expect(e.length).toBe(5 + big.length + 5 + 4);
    expect(splitEncoded(e, 2)[1]?.subarray(5).toString()).toBe('tail');
  });

  it('is injective, and splitEncoded returns each column', () => {
    const value = fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null, freq: 4 });
    const row = fc.array(value, { minLength: 3, maxLength: 3 });
    const families: TypeFamily[] = ['binary', 'text', 'binary'];
    const toRaw = (r: (Uint8Array | null)[]): RawValue[] =>
      r.map((v) => (v === null ? null : Buffer.from(v)));
    fc.assert(
      fc.property(row, row, (r1, r2) => {
        const e1 = enc(families, toRaw(r1));
        const e2 = enc(families, toRaw(r2));
        const same = r1.every((v, i) => {
          const w = r2[i] ?? null;
          return v === null || w === null ? v === w : Buffer.from(v).equals(Buffer.from(w));
        });
        expect(e1.equals(e2)).toBe(same);
        const parts = splitEncoded(e1, 3);
        expect(Buffer.concat(parts).equals(e1)).toBe(true);
        parts.forEach((p, i) => {
          const v = r1[i] ?? null;
          if (v === null) expect(p.equals(Buffer.from([FLAG_NULL]))).toBe(true);
          else expect(p.subarray(5).equals(Buffer.from(v))).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });
});
