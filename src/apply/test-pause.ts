/**
 * A hook for the crash tests, inert unless RECONCILE_TEST_PAUSE_AT names a point: there the
 * process says so on stderr and waits, so that a test's `kill -9` lands exactly there.
 *
 * Points: `start` (lock held, checks done, before the first batch), `commit:N` (inside batch
 * N's transaction, its rows and journal row written, before COMMIT), `batch:N` (after batch N
 * committed), `end` (every batch and AUTO_INCREMENT done, before the journal is marked
 * complete), and for rollback `undo:N` (after the undo of batch N committed).
 */
export const PAUSE_ENV = 'RECONCILE_TEST_PAUSE_AT';

export async function pausePoint(point: string): Promise<void> {
  const wanted = process.env[PAUSE_ENV];
  if (!wanted || wanted !== point) return;
  process.stderr.write(`reconcile: test pause at ${point}\n`);
  // Wait to be killed; the interval keeps the event loop alive.
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}
