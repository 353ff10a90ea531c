import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * How eagerly V8 collects garbage, set by the CLI and the demo for themselves at start.
 *
 * What every command holds is small and does not grow with the rows (rows stream through
 * spools, drafts and batches on disk and in the servers: 25–80 MB of live heap at 1M and 3M
 * rows, most of it the chunks in flight). But by default V8 lets the old generation grow to up
 * to 4× what survived its last full collection before collecting again, and the young
 * generation to 32 MB, and a command allocates fast (every row decoded, hashed, encoded): its
 * peak resident set was 2–3× its live data (plan of 1M rows: 290–390 MB), and the longer the
 * run, the higher the worst moment (plan of 3M rows with 20% and 16 MB: 184–214 MB; with 10%
 * and 8 MB: 147–169 MB). Two of V8's heuristics, read at each collection, change that:
 * - the old generation grows by HEAP_GROWING_PERCENT past its live size before the next full
 *   collection (instead of up to 300%);
 * - the young generation stops growing at NEW_SPACE_BYTES (its two halves; V8 starts it at
 *   1 MB and doubles it while objects survive), or at twice that when it doubled between two
 *   looks (a long synchronous stretch: it did in plan and diff of 10M rows, 174 and 188 MB).
 * Neither is a limit: a plan that needs a bigger heap gets it (no out-of-memory risk that
 * V8's own defaults would not have); it only collects more often, which costs CPU time (plan of
 * 3M rows: 50–53 s by default, 55–58 s with 20% and 16 MB, 60 s with 10% and 8 MB; a young
 * generation kept at its first 1 MB costs +25%, so it is let grow to 8).
 *
 * Node takes heap sizes only on its command line, which a program cannot set for itself: V8
 * reads these two flags when it sizes the heap, so setting them once running takes effect at
 * the next collection. Flags given on node's command line or in NODE_OPTIONS win.
 */
const HEAP_GROWING_PERCENT = 10;
const NEW_SPACE_BYTES = 8 * 2 ** 20;
/** How often the young generation's size is looked at until it reaches NEW_SPACE_BYTES. */
const WATCH_MS = 20;

export function boundHeapGrowth(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const has = (flag: string): boolean =>
    given.some((a) => a.replaceAll('_', '-').startsWith(`--${flag}`));
  if (!has('heap-growing-percent')) {
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  }
  if (has('max-semi-space-size') || has('semi-space-growth-factor')) return;
  const watch = setInterval(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young && young.space_size < NEW_SPACE_BYTES) return;
    // V8 doubles the young generation from here on no more.
    setFlagsFromString('--semi-space-growth-factor=1');
    clearInterval(watch);
  }, WATCH_MS);
  watch.unref();
}
