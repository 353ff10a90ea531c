/**
 * The small numeric pieces of the load generator: a seeded PRNG (so a seed reproduces a run's
 * choices) and latency percentiles.
 */

/** A uniform draw in [0, 1). */
export type Rng = () => number;

/** mulberry32: a 32-bit seeded PRNG, plenty for choosing writes. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG of its own for write `n` of a run: its values do not depend on the order writes ran. */
export function writeRng(seed: number, n: number): Rng {
  return seededRng(Math.imul(seed ^ 0x5bd1e995, 2654435761) ^ n);
}

/** An index in [0, n) drawn from `r`. */
export function pickIndex(r: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(r() * n));
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of durations in ms, rounded to 0.01 ms (zeros when empty). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] ?? 0;
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    count: n,
    p50: r2(rank(50)),
    p99: r2(rank(99)),
    max: r2(sorted[n - 1] ?? 0),
    mean: r2(n === 0 ? 0 : sorted.reduce((s, x) => s + x, 0) / n),
  };
}
