import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareListings,
  decodeKey,
  type KeyShape,
  type Listing,
  listingEntries,
} from '../../src/checksum/listing.js';

const INT: KeyShape = { kind: 'int' };
const GENERAL: KeyShape = { kind: 'general', columns: 2 };

/** The packed form the server builds for a general key: `hash len:bytes len:bytes,…`. */
function packGeneral(entries: [string, Buffer[]][]): Buffer {
  const parts = entries.map(([h, cols]) =>
    Buffer.concat([Buffer.from(`${h} `), ...cols.flatMap((c) => [Buffer.from(`${c.length}:`), c])]),
  );
  return Buffer.concat(parts.flatMap((p, n) => (n > 0 ? [Buffer.from(','), p] : [p])));
}

/** An integer-key listing from [key, hash] pairs, in the given order. */
function intListing(entries: [number, string][]): Listing {
  return {
    count: entries.length,
    packed: entries.length ? Buffer.from(entries.map(([k, h]) => `${h} ${k}`).join(',')) : null,
    truncated: false,
  };
}

describe('listing entries', () => {
  it('reads an integer-key listing', () => {
    const l = { count: 3, packed: Buffer.from('11 1,22 2,33 10'), truncated: false };
    expect(listingEntries(l, INT)).toEqual({ keys: ['1', '2', '10'], hashes: ['11', '22', '33'] });
    expect(decodeKey('10', INT)).toEqual([Buffer.from('10')]);
  });

  it('reads general keys whose bytes hold the separators', () => {
    const nasty = Buffer.from([0x2c, 0x20, 0x3a, 0x00, 0xff]); // , space : NUL 0xff
    const packed = packGeneral([
      ['5', [Buffer.from('a,b'), nasty]],
      ['18446744073709551615', [Buffer.from(''), Buffer.from('x')]],
    ]);
    const e = listingEntries({ count: 2, packed, truncated: false }, GENERAL);
    expect(e?.hashes).toEqual(['5', '18446744073709551615']);
    expect(e?.keys.map((k) => decodeKey(k, GENERAL))).toEqual([
      [Buffer.from('a,b'), nasty],
      [Buffer.from(''), Buffer.from('x')],
    ]);
  });

  it('notices a listing holding fewer rows than the count, or cut inside an entry', () => {
    const packed = Buffer.from('11 1,22 2,33 10');
    expect(listingEntries({ count: 4, packed, truncated: false }, INT)).toBeNull();
    const g = packGeneral([['1', [Buffer.from('abc'), Buffer.from('d')]]]);
    const cut = { count: 1, packed: g.subarray(0, g.length - 2), truncated: false };
    expect(listingEntries(cut, GENERAL)).toBeNull();
    expect(compareListings(cut, cut, GENERAL)).toBeNull();
    // an integer listing short of an entry, against a whole one: the sides disagree on counts
    const short = { count: 4, packed, truncated: false };
    const whole = { count: 4, packed: Buffer.from('11 1,22 2,33 10,44 11'), truncated: false };
    expect(compareListings(short, whole, INT)).toBeNull();
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
          const l = { count: entries.length, packed: packGeneral(entries), truncated: false };
          const e = listingEntries(l, GENERAL);
          expect(e?.hashes).toEqual(entries.map(([h]) => h));
          expect(e?.keys.map((k) => decodeKey(k, GENERAL))).toEqual(entries.map(([, c]) => c));
        },
      ),
    );
  });
});

describe('compareListings', () => {
  it('walks aligned listings in step', () => {
    const r = compareListings(
      intListing([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]),
      intListing([
        [1, 'a'],
        [2, 'B'],
        [3, 'c'],
      ]),
      INT,
    );
    expect(r).toEqual({ identical: 2, suspects: ['2'] });
  });

  it('falls back to a map once keys stop lining up', () => {
    const r = compareListings(
      intListing([
        [1, 'a'],
        [2, 'b'],
        [4, 'd'],
        [5, 'e'],
      ]),
      intListing([
        [1, 'a'],
        [3, 'c'],
        [4, 'd'],
        [5, 'E'],
        [6, 'f'],
      ]),
      INT,
    );
    expect(r?.identical).toBe(2);
    expect([...(r?.suspects ?? [])].sort()).toEqual(['2', '3', '5', '6']);
  });

  it('agrees with a naive oracle whatever the order and key shape', () => {
    const side = fc.uniqueArray(
      fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2 })),
      { selector: ([k]) => k, maxLength: 25 },
    );
    fc.assert(
      fc.property(side, side, fc.boolean(), fc.boolean(), (b, i, sorted, general) => {
        const order = (s: [number, number][]) => (sorted ? [...s].sort((x, y) => x[0] - y[0]) : s);
        // a general key: two columns, the second holding separator bytes
        const keyCols = (k: number) => [Buffer.from(`k${k}`), Buffer.from(`,${k % 3}: `)];
        const make = (s: [number, number][]): Listing =>
          general
            ? {
                count: s.length,
                packed: s.length
                  ? packGeneral(order(s).map(([k, h]) => [String(h), keyCols(k)]))
                  : null,
                truncated: false,
              }
            : intListing(order(s).map(([k, h]) => [k, String(h)]));
        const bm = new Map(b);
        const im = new Map(i);
        let identical = 0;
        const suspects = new Set<string>();
        const name = (k: number) =>
          general
            ? packGeneral([['0', keyCols(k)]])
                .toString('latin1')
                .slice(2)
            : String(k);
        for (const [k, h] of b) {
          if (im.get(k) === h) identical++;
          else suspects.add(name(k));
        }
        for (const [k, h] of i) if (bm.get(k) !== h) suspects.add(name(k));
        const r = compareListings(make(b), make(i), general ? GENERAL : INT);
        if (!r) throw new Error('listing did not parse');
        expect(new Set(r.suspects).size).toBe(r.suspects.length); // each key once
        if (sorted) {
          expect(r.identical).toBe(identical);
          expect(new Set(r.suspects)).toEqual(suspects);
        } else {
          // Out of order, the walk may suspect rows that are identical (the client then reads
          // them and finds so), but never calls a differing row identical.
          for (const k of suspects) expect(r.suspects).toContain(k);
          const extra = r.suspects.filter((k) => !suspects.has(k)).length;
          expect(r.identical + extra).toBe(identical);
        }
      }),
    );
  });

  it('skips equal runs of integer listings and still finds every difference', () => {
    const side = fc.uniqueArray(
      fc.tuple(fc.integer({ min: -200, max: 2000 }), fc.stringMatching(/^[0-9a-f]{1,16}$/)),
      { selector: ([k]) => k, maxLength: 120 },
    );
    fc.assert(
      fc.property(
        side,
        fc.array(fc.tuple(fc.nat(119), fc.boolean()), { maxLength: 6 }),
        side,
        (base, edits, extra) => {
          const b = new Map(base);
          const i = new Map(base);
          for (const [n, drop] of edits) {
            const k = base[n % Math.max(base.length, 1)]?.[0];
            if (k === undefined) continue;
            if (drop) i.delete(k);
            else i.set(k, `${i.get(k)}f`);
          }
          for (const [k, h] of extra.slice(0, 3)) if (!b.has(k)) i.set(k, h);
          const sorted = (m: Map<number, string>) => [...m].sort((x, y) => x[0] - y[0]);
          const r = compareListings(intListing(sorted(b)), intListing(sorted(i)), INT);
          const expected = new Set<string>();
          let identical = 0;
          for (const [k, h] of b) {
            if (i.get(k) === h) identical++;
            else expected.add(String(k));
          }
          for (const [k, h] of i) if (b.get(k) !== h) expected.add(String(k));
          expect(r?.identical).toBe(identical);
          expect(new Set(r?.suspects)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
