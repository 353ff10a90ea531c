import { InterruptedError, isUserError } from '../errors.js';
import { appendRun, type RunCommand } from '../report/run-log.js';
import { maskPasswords } from '../secrets.js';

/**
 * Runs a command's work and records how it ended in the plan folder's run log (for `report`),
 * whatever the outcome: its result passes through, its error is rethrown. `failed` says whether
 * a result is a failure (a verification mismatch, a failed rehearsal).
 */
export async function recordRun<T>(
  planDir: string,
  planId: string,
  command: RunCommand,
  work: () => Promise<T>,
  failed: (r: T) => string | null = () => null,
): Promise<T> {
  const started = new Date();
  const t0 = performance.now();
  const seconds = (): number => Math.round(performance.now() - t0) / 1000;
  try {
    const r = await work();
    const why = failed(r);
    await appendRun(planDir, {
      planId,
      command,
      at: started.toISOString(),
      seconds: seconds(),
      outcome: why === null ? 'ok' : 'failed',
      reason: null,
      message: why,
    });
    return r;
  } catch (e) {
    const reason = isUserError(e) ? e.reason : 'bug';
    const message = maskPasswords(
      e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e),
    );
    await appendRun(planDir, {
      planId,
      command,
      at: started.toISOString(),
      seconds: seconds(),
      outcome: e instanceof InterruptedError ? 'interrupted' : 'failed',
      reason,
      message,
    });
    throw e;
  }
}
