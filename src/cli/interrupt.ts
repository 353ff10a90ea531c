import { ExitCode } from '../errors.js';
import { type StopSignal, StopToken } from '../stop.js';

/** After a second signal, how long the run may take to report where it stopped. */
const FORCED_EXIT_MS = 3000;

export interface SignalStop {
  readonly token: StopToken;
  /** Restores the default signal handling. */
  dispose(): void;
}

/**
 * SIGINT and SIGTERM for a command that writes (apply, rollback, rehearse). The first asks
 * the run to stop at the next batch boundary and says so; the second stops it at once: the
 * writer's connection is closed, so the server rolls its open transaction back, and the run
 * reports where it stopped (exit 130 or 143). Should the run not manage that in a few seconds
 * (it waits on another connection), the process ends here with the same promise: every batch
 * commits with its journal row, so whatever stopped it, nothing is half-written.
 */
export function stopOnSignals(stderr: (line: string) => void = defaultStderr): SignalStop {
  const token = new StopToken();
  let timer: NodeJS.Timeout | null = null;
  const onSignal = (signal: StopSignal): void => {
    if (!token.requested) {
      token.request(signal);
      stderr(
        `reconcile: ${signal}: stopping after the current batch (send it again to stop at once; the open transaction then rolls back)`,
      );
      return;
    }
    if (token.forced) return;
    token.force(signal);
    timer = setTimeout(() => {
      stderr(
        `reconcile: interrupted (${signal}); nothing is half-written (every batch commits with its journal row); rerun the same command to resume`,
      );
      process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
    }, FORCED_EXIT_MS);
    timer.unref();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    token,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
    },
  };
}

function defaultStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
