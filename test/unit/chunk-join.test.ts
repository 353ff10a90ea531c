import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffMultiset,
  type HashedRow,
  joinKeyedChunk,
  MultisetCounter,
} from '../../src/diff/chunk-join.js';

const row = (match: string, hash: bigint): HashedRow => {
  const enc = Buffer.from(`${match}:${hash}`);
  return { match, hash, enc, stored: enc };
};

/** A side of a keyed table: unique keys (as a key guarantees), in key order, small hashes. */
const keyedSide = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.bigInt({ min: 0n, max: 3n })), {
    selector: ([k]) => k,
    maxLength: 30,
  })
  .map((rows) => rows.sort((a, b) => a[0] - b[0]));

interface Classes {
  identical: number;
  changed: number[];
  onlyBackup: number[];
  onlyInterim: number[];
}

/** The naive oracle: whole tables in maps. */
function naiveKeyed(b: [number, bigint][], i: [number, bigint][]): Classes {
  const bm = new Map(b);
  const im = new Map(i);
  const out: Classes = { identical: 0, changed: [], onlyBackup: [], onlyInterim: [] };
  for (const [k, h] of i) {
    const bh = bm.get(k);
    if (bh === undefined) out.onlyInterim.push(k);
    else if (bh === h) out.identical++;
    else out.changed.push(k);
  }
  for (const [k] of b) if (!im.has(k)) out.onlyBackup.push(k);
  return out;
}

function toRows(side: [number, bigint][]): HashedRow[] {
  return side.map(([k, h]) => row(String(k), h));
}

describe('joinKeyedChunk', () => {
  it('classifies a small example', () => {
    const d = joinKeyedChunk(
      [row('1', 10n), row('2', 20n), row('3', 30n)],
      [row('2', 20n), row('3', 31n), row('4', 40n)],
    );
    expect(d.identical).toBe(1);
    expect(d.changed.map(([x, y]) => [x.match, x.hash, y.hash])).toEqual([['3', 30n, 31n]]);
    expect(d.onlyBackup.map((r) => r.match)).toEqual(['1']);
    expect(d.onlyInterim.map((r) => r.match)).toEqual(['4']);
  });

  it('matches the naive oracle for one chunk', () => {
    fc.assert(
      fc.property(keyedSide, keyedSide, (b, i) => {
        const d = joinKeyedChunk(toRows(b), toRows(i));
        const want = naiveKeyed(b, i);
        expect(d.identical).toBe(want.identical);
        expect(d.changed.map(([x]) => Number(x.match))).toEqual(want.changed);
        expect(d.changed.every(([x, y]) => x.match === y.match && x.hash !== y.hash)).toBe(true);
        expect(d.onlyBackup.map((r) => Number(r.match))).toEqual(want.onlyBackup);
        expect(d.onlyInterim.map((r) => Number(r.match))).toEqual(want.onlyInterim);
      }),
      { numRuns: 500 },
    );
  });

  it('accounts for every row exactly once, even if a side repeats a key', () => {
    // a key cannot repeat on a side; if the match form ever let it, no row may vanish
    const side = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.bigInt({ min: 0n, max: 2n })),
      {
        maxLength: 15,
      },
    );
    fc.assert(
      fc.property(side, side, (b, i) => {
        const d = joinKeyedChunk(toRows(b), toRows(i));
        const accounted =
          2 * d.identical + 2 * d.changed.length + d.onlyBackup.length + d.onlyInterim.length;
        expect(accounted).toBe(b.length + i.length);
      }),
      { numRuns: 500 },
    );
  });

  it('summed over any split into key ranges, equals the whole-table comparison', () => {
    fc.assert(
      fc.property(
        keyedSide,
        keyedSide,
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }),
        (b, i, cuts) => {
          const bounds = [...cuts.sort((x, y) => x - y), Number.POSITIVE_INFINITY];
          const total: Classes = { identical: 0, changed: [], onlyBackup: [], onlyInterim: [] };
          let lo = Number.NEGATIVE_INFINITY;
          for (const hi of bounds) {
            const inRange = (r: [number, bigint]): boolean => r[0] > lo && r[0] <= hi;
            const d = joinKeyedChunk(toRows(b.filter(inRange)), toRows(i.filter(inRange)));
            total.identical += d.identical;
            total.changed.push(...d.changed.map(([x]) => Number(x.match)));
            total.onlyBackup.push(...d.onlyBackup.map((r) => Number(r.match)));
            total.onlyInterim.push(...d.onlyInterim.map((r) => Number(r.match)));
            lo = hi;
          }
          expect(total).toEqual(naiveKeyed(b, i));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Rows of a table without a key: few distinct values, so duplicates are common. */
const multisetSide = fc.array(fc.bigInt({ min: 0n, max: 6n }), { maxLength: 40 });

function naiveMultiset(b: bigint[], i: bigint[]) {
  const count = (xs: bigint[]): Map<bigint, number> => {
    const m = new Map<bigint, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const bc = count(b);
  const ic = count(i);
  let identical = 0;
  const onlyBackup = new Map<bigint, number>();
  const onlyInterim = new Map<bigint, number>();
  for (const h of new Set([...b, ...i])) {
    const x = bc.get(h) ?? 0;
    const y = ic.get(h) ?? 0;
    identical += Math.min(x, y);
    if (x > y) onlyBackup.set(h, x - y);
    if (y > x) onlyInterim.set(h, y - x);
  }
  return { identical, onlyBackup, onlyInterim };
}

describe('MultisetCounter', () => {
  it('counts duplicates with multiplicity and a differing row once per side', () => {
    const d = diffMultiset(
      [row('', 1n), row('', 1n), row('', 1n), row('', 2n)],
      [row('', 1n), row('', 3n)],
    );
    expect(d.identical).toBe(1);
    expect(d.onlyBackup.map((x) => [x.row.hash, x.count])).toEqual([
      [1n, 2],
      [2n, 1],
    ]);
    expect(d.onlyInterim.map((x) => [x.row.hash, x.count])).toEqual([[3n, 1]]);
  });

  it('matches the naive oracle, in any arrival order and any split into partitions', () => {
    fc.assert(
      fc.property(
        multisetSide,
        multisetSide,
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (b, i, parts, interleave) => {
          const want = naiveMultiset(b, i);
          let identical = 0;
          const onlyBackup = new Map<bigint, number>();
          const onlyInterim = new Map<bigint, number>();
          for (let p = 0; p < parts; p++) {
            // equal rows fall in the same partition on both sides (a function of the row)
            const mine = (h: bigint): boolean => Number(h % BigInt(parts)) === p;
            const c = new MultisetCounter();
            const bs = b.filter(mine).map((h) => row('', h));
            const is = i.filter(mine).map((h) => row('', h));
            if (interleave) {
              for (let k = 0; k < Math.max(bs.length, is.length); k++) {
                const x = is[k];
                const y = bs[bs.length - 1 - k];
                if (x) c.addInterim(x);
                if (y) c.addBackup(y);
              }
            } else {
              for (const r of bs) c.addBackup(r);
              for (const r of is) c.addInterim(r);
            }
            const d = c.result();
            identical += d.identical;
            for (const { row: r, count } of d.onlyBackup) onlyBackup.set(r.hash, count);
            for (const { row: r, count } of d.onlyInterim) onlyInterim.set(r.hash, count);
          }
          expect({ identical, onlyBackup, onlyInterim }).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps each distinct row once, whatever it holds, across arena and slot growth', () => {
    const c = new MultisetCounter();
    // Even rows are stored otherwise than their canonical form (a JSON column's text).
    const big = (n: number): HashedRow => {
      const enc = Buffer.alloc(1000 + (n % 7), n % 251);
      const stored = n % 2 === 0 ? Buffer.alloc(40 + (n % 5), (n + 1) % 251) : enc;
      return { match: '', hash: BigInt(n), enc, stored };
    };
    for (let n = 0; n < 3000; n++) c.addBackup(big(n));
    for (let n = 1500; n < 4000; n++) c.addInterim(big(n));
    const d = c.result();
    expect(d.identical).toBe(1500);
    expect(d.onlyBackup).toHaveLength(1500);
    expect(d.onlyInterim).toHaveLength(1000);
    for (const { row, count } of [...d.onlyBackup, ...d.onlyInterim]) {
      expect(count).toBe(1);
      expect(row.enc.equals(big(Number(row.hash)).enc)).toBe(true);
      expect(row.stored.equals(big(Number(row.hash)).stored)).toBe(true);
    }
  });

  it('reports surplus rows in a deterministic order (by encoding)', () => {
    const rows = [3n, 1n, 2n].map((h) => row(`r${h}`, h));
    const one = diffMultiset(rows, []);
    const two = diffMultiset([...rows].reverse(), []);
    const texts = (d: typeof one): string[] => d.onlyBackup.map((x) => x.row.enc.toString());
    expect(texts(one)).toEqual(['r1:1', 'r2:2', 'r3:3']);
    expect(texts(two)).toEqual(['r1:1', 'r2:2', 'r3:3']);
  });
});
