/**
 * A hook for the crash tests, inert unless RECONCILE_TEST_PAUSE_AT names a point: there the
 * process says so on stderr and waits, so that a test's `kill -9` lands exactly there.
 *
 * Points: `start` (lock held, checks done, before the first batch), `commit:N` (inside batch
 * N's transaction, its rows and journal row written, before COMMIT), `batch:N` (after batch N
 * committed), `end` (every batch and AUTO_INCREMENT done, before the journal is marked
 * complete), and for rollback `undo:N` (after the undo of batch N committed). The diff's
 * checkpoints (diff --out, plan): `checkpoint:TABLE:N` (the table's N-th chunk of this run
 * recorded in the checkpoint file, its output on disk).
 *
 * The wait also ends, so a test can go on from exactly there, on SIGUSR2 (after, say, pausing
 * or killing the server), or after RECONCILE_TEST_PAUSE_SIGNALS SIGINT/SIGTERM (default 1;
 * the CLI's own handlers see each signal first, so the run then stops as a person stopped it).
 */
export const PAUSE_ENV = 'RECONCILE_TEST_PAUSE_AT';
export const PAUSE_SIGNALS_ENV = 'RECONCILE_TEST_PAUSE_SIGNALS';

export async function pausePoint(point: string): Promise<void> {
  const wanted = process.env[PAUSE_ENV];
  if (!wanted || wanted !== point) return;
  const signals = Number(process.env[PAUSE_SIGNALS_ENV] ?? 1);
  // Listening before saying so: a test may signal the moment it reads the line.
  const resumed = new Promise<void>((resolve) => {
    // The interval keeps the event loop alive while nothing else does.
    const alive = setInterval(() => undefined, 60_000);
    let seen = 0;
    const onStop = (): void => {
      if (++seen >= signals) done();
    };
    const done = (): void => {
      clearInterval(alive);
      process.off('SIGUSR2', done);
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      resolve();
    };
    process.on('SIGUSR2', done);
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
  });
  process.stderr.write(`reconcile: test pause at ${point}\n`);
  await resumed;
}
