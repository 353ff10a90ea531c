import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntKeySpans, intOf, midKey } from '../../src/checksum/int-ranges.js';
import type { Chunk } from '../../src/chunk/boundaries.js';

const fixed = (n: number) => ({ next: () => n });

/** Which chunk a key falls in (lo < key <= hi, null bounds open). */
function chunkOf(chunks: Chunk[], key: bigint): number[] {
  return chunks
    .filter(
      (c) => (c.lo === null || key > intOf(c.lo[0])) && (c.hi === null || key <= intOf(c.hi[0])),
    )
    .map((c) => c.index);
}

describe('IntKeySpans', () => {
  it('cuts dense keys into chunks of the asked size, open at both ends', () => {
    const chunks = [...new IntKeySpans(1n, 1000n, 1000).chunks(fixed(100))];
    expect(chunks.length).toBe(10);
    expect(chunks[0]?.lo).toBeNull();
    expect(chunks.at(-1)?.hi).toBeNull();
    expect(chunks.map((c) => c.index)).toEqual([...chunks.keys()]);
    expect(chunkOf(chunks, 100n)).toEqual([0]);
    expect(chunkOf(chunks, 101n)).toEqual([1]);
  });

  it('started after a key (a resumed diff), covers exactly the keys above it', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.bigInt({ min: 0n, max: 5000n }),
        fc.bigInt({ min: -2000n, max: 7000n }),
        fc.integer({ min: 1, max: 300 }),
        (min, width, after, rows) => {
          const max = min + width;
          const chunks = [...new IntKeySpans(min, max, Number(width), after).chunks(fixed(rows))];
          expect(chunks[0]?.lo).toEqual([Buffer.from(after.toString(), 'latin1')]);
          expect(chunks.at(-1)?.hi).toBeNull();
          for (const k of [after, after + 1n, min, max, max + 1n]) {
            expect(chunkOf(chunks, k)).toHaveLength(k > after ? 1 : 0);
          }
        },
      ),
    );
  });

  it('puts every key in exactly one chunk (negative, huge and unsigned ranges too)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 2n }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 40n }), { maxLength: 20 }),
        (min, width, estimate, rows, probes) => {
          const max = min + width;
          const walker = new IntKeySpans(min, max, estimate);
          const chunks: Chunk[] = [];
          for (const c of walker.chunks(fixed(rows))) {
            chunks.push(c);
            walker.observe(c, rows);
            if (chunks.length > 20_000) throw new Error('too many chunks');
          }
          for (const p of [
            min,
            max,
            min - 1n,
            max + 1n,
            ...probes.map((x) => min + (x % (width + 1n))),
          ]) {
            expect(chunkOf(chunks, p)).toHaveLength(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('learns the density of sparse keys from what chunks held', () => {
    // The estimate says a row per key value; the chunks find one per thousand: spans widen.
    const walker = new IntKeySpans(1n, 100_000_000n, 100_000_000);
    const span = (c: Chunk) => intOf(c.hi?.[0]) - intOf(c.lo?.[0] ?? Buffer.from('0'));
    const first = walker.take(500) as Chunk;
    walker.observe(first, 1);
    const second = walker.take(500) as Chunk;
    walker.observe(second, 0);
    const third = walker.take(500) as Chunk;
    expect(span(second)).toBe(500n);
    expect(span(third)).toBeGreaterThan(100_000n);
  });

  it('finds the middle of a range', () => {
    expect(midKey(0n, 10n)).toBe(5n);
    expect(midKey(-7n, -3n)).toBe(-5n);
    expect(midKey(4n, 5n)).toBeNull();
    expect(midKey(4n, 6n)).toBe(5n);
  });
});
