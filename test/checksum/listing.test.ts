import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareListings,
  decodeKey,
  type Listing,
  parseListing,
} from '../../src/checksum/listing.js';

const general = { kind: 'general', columns: 2 } as const;

/** The packed form the server builds for a general key: `hash len:bytes len:bytes,…`. */
function packGeneral(entries: [string, Buffer[]][]): Buffer {
  const parts = entries.map(([h, cols]) =>
    Buffer.concat([Buffer.from(`${h} `), ...cols.flatMap((c) => [Buffer.from(`${c.length}:`), c])]),
  );
  const out: Buffer[] = [];
  parts.forEach((p, n) => {
    if (n > 0) out.push(Buffer.from(','));
    out.push(p);
  });
  return Buffer.concat(out);
}

function listing(entries: [string, string][]): Listing {
  return {
    count: entries.length,
    keys: entries.map(([k]) => k),
    hashes: entries.map(([, h]) => h),
    packed: null,
  };
}

describe('parseListing', () => {
  it('reads an integer-key listing', () => {
    const l = parseListing(3, Buffer.from('11 1,22 2,33 10'), { kind: 'int' });
    expect(l?.keys).toEqual(['1', '2', '10']);
    expect(l?.hashes).toEqual(['11', '22', '33']);
    expect(decodeKey('10', { kind: 'int' })).toEqual([Buffer.from('10')]);
  });

  it('reads general keys whose bytes hold the separators', () => {
    const nasty = Buffer.from([0x2c, 0x20, 0x3a, 0x00, 0xff]); // , space : NUL 0xff
    const packed = packGeneral([
      ['5', [Buffer.from('a,b'), nasty]],
      ['18446744073709551615', [Buffer.from(''), Buffer.from('x')]],
    ]);
    const l = parseListing(2, packed, general);
    expect(l?.hashes).toEqual(['5', '18446744073709551615']);
    expect(l && decodeKey(l.keys[0] as string, general)).toEqual([Buffer.from('a,b'), nasty]);
    expect(l && decodeKey(l.keys[1] as string, general)).toEqual([
      Buffer.from(''),
      Buffer.from('x'),
    ]);
  });

  it('reports a listing the server truncated (fewer rows than COUNT)', () => {
    expect(parseListing(4, Buffer.from('11 1,22 2,33 10'), { kind: 'int' })).toBeNull();
    // cut in the middle of a general key
    const packed = packGeneral([['1', [Buffer.from('abc'), Buffer.from('d')]]]);
    expect(parseListing(1, packed.subarray(0, packed.length - 2), general)).toBeNull();
    expect(parseListing(0, null, { kind: 'int' })?.keys).toEqual([]);
    expect(parseListing(2, null, { kind: 'int' })).toBeNull();
  });

  it('round-trips arbitrary general keys', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array(), fc.uint8Array()),
          { maxLength: 20 },
        ),
        (rows) => {
          const entries = rows.map(([h, a, b]): [string, Buffer[]] => [
            h.toString(),
            [Buffer.from(a), Buffer.from(b)],
          ]);
          const l = parseListing(entries.length, packGeneral(entries), general);
          expect(l).not.toBeNull();
          expect(l?.hashes).toEqual(entries.map(([h]) => h));
          expect(l?.keys.map((k) => decodeKey(k, general))).toEqual(entries.map(([, c]) => c));
        },
      ),
    );
  });
});

describe('compareListings', () => {
  it('walks aligned listings in step', () => {
    const r = compareListings(
      listing([
        ['1', 'a'],
        ['2', 'b'],
        ['3', 'c'],
      ]),
      listing([
        ['1', 'a'],
        ['2', 'B'],
        ['3', 'c'],
      ]),
    );
    expect(r).toEqual({ identical: 2, suspects: ['2'] });
  });

  it('falls back to a map once keys stop lining up', () => {
    const r = compareListings(
      listing([
        ['1', 'a'],
        ['2', 'b'],
        ['4', 'd'],
        ['5', 'e'],
      ]),
      listing([
        ['1', 'a'],
        ['3', 'c'],
        ['4', 'd'],
        ['5', 'E'],
        ['6', 'f'],
      ]),
    );
    expect(r.identical).toBe(2);
    expect([...r.suspects].sort()).toEqual(['2', '3', '5', '6']);
  });

  it('agrees with a naive oracle whatever the order', () => {
    const side = fc.uniqueArray(
      fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2 })),
      { selector: ([k]) => k, maxLength: 25 },
    );
    fc.assert(
      fc.property(side, side, fc.boolean(), (b, i, sorted) => {
        const order = (s: [number, number][]) => (sorted ? [...s].sort((x, y) => x[0] - y[0]) : s);
        const lb = listing(order(b).map(([k, h]) => [String(k), String(h)]));
        const li = listing(order(i).map(([k, h]) => [String(k), String(h)]));
        const bm = new Map(b);
        const im = new Map(i);
        let identical = 0;
        const suspects = new Set<number>();
        for (const [k, h] of b) {
          if (im.get(k) === h) identical++;
          else suspects.add(k);
        }
        for (const [k, h] of i) if (bm.get(k) !== h) suspects.add(k);
        const r = compareListings(lb, li);
        expect(r.identical).toBe(identical);
        expect(r.suspects.length).toBe(suspects.size); // each key once
        expect(new Set(r.suspects.map(Number))).toEqual(suspects);
      }),
    );
  });
});
