import { ExitCode, isUserError } from '../errors.js';

/**
 * The one place errors become exit codes. A user error prints one line; anything else is a
 * bug and prints its stack.
 */
export function exitCodeFor(e: unknown, stderr: (line: string) => void): ExitCode {
  if (isUserError(e)) {
    stderr(`reconcile: ${firstLine(e.message)}`);
    return e.exitCode;
  }
  const stack = e instanceof Error ? (e.stack ?? e.message) : String(e);
  stderr(`reconcile: internal error (a bug; please report it with this trace):\n${stack}`);
  return ExitCode.internal;
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}
