import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestAccumulator, digestEquals, EMPTY_DIGEST } from '../../src/hash/digest.js';
import { hex64, MASK64 } from '../../src/hash/xxhash.js';

const u64 = fc.bigInt({ min: 0n, max: MASK64 });

describe('DigestAccumulator', () => {
  it('is the row count and the sum of row hashes mod 2^64', () => {
    const a = new DigestAccumulator();
    a.add(MASK64);
    a.add(2n);
    expect(a.toDigest()).toEqual({ count: '2', sum: hex64(1n) });
  });

  it('does not cancel a doubled row (a sum, not a XOR)', () => {
    const once = new DigestAccumulator();
    once.add(42n);
    const twice = new DigestAccumulator();
    twice.add(42n, 2n);
    const none = new DigestAccumulator();
    expect(digestEquals(once.toDigest(), twice.toDigest())).toBe(false);
    expect(digestEquals(twice.toDigest(), none.toDigest())).toBe(false);
  });

  it('is order-independent, and remove undoes add (predicting after from before)', () => {
    fc.assert(
      fc.property(
        fc.array(u64, { maxLength: 30 }),
        fc.array(u64, { maxLength: 10 }),
        (rows, gone) => {
          const forward = new DigestAccumulator();
          for (const h of rows) forward.add(h);
          const backward = new DigestAccumulator();
          for (const h of [...rows].reverse()) backward.add(h);
          expect(forward.toDigest()).toEqual(backward.toDigest());
          const before = forward.toDigest();
          const after = new DigestAccumulator(before);
          for (const h of gone) after.add(h);
          for (const h of gone) after.remove(h);
          expect(after.toDigest()).toEqual(before);
          const merged = new DigestAccumulator();
          merged.addDigest(before);
          expect(merged.toDigest()).toEqual(before);
        },
      ),
    );
  });

  it('refuses a negative row count', () => {
    const a = new DigestAccumulator(EMPTY_DIGEST);
    a.remove(1n);
    expect(() => a.toDigest()).toThrow(/negative/);
  });
});
