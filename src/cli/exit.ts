import { ExitCode, isUserError, type UserError } from '../errors.js';
import { fileFaultError } from '../faults.js';
import { maskPasswords } from '../secrets.js';

/** What `--json` prints on stdout when a command fails: scripts branch on `reason`. */
export interface ErrorDocument {
  readonly error: {
    readonly exit: number;
    readonly reason: string;
    readonly message: string;
    readonly table?: string;
    readonly batch?: number;
    readonly command?: string;
  };
}

/**
 * The one place errors become exit codes. A user error, or a fault of the environment the
 * error's code names (faults.ts: a full disk, a read-only folder...), prints one line; anything
 * else is a bug and prints its stack. With `json`, the same as one JSON document. Passwords are
 * masked in everything printed.
 */
export function exitCodeFor(
  e: unknown,
  stderr: (line: string) => void,
  json?: (doc: ErrorDocument) => void,
): ExitCode {
  const user: UserError | null = isUserError(e) ? e : fileFaultError(e);
  if (user) {
    const message = maskPasswords(firstLine(user.message));
    stderr(`reconcile: ${message}`);
    json?.({
      error: {
        exit: user.exitCode,
        reason: user.reason,
        message,
        ...(user.table === undefined ? {} : { table: user.table }),
        ...(user.batch === undefined ? {} : { batch: user.batch }),
        ...(user.command === undefined ? {} : { command: user.command }),
      },
    });
    return user.exitCode;
  }
  const stack = maskPasswords(e instanceof Error ? (e.stack ?? e.message) : String(e));
  stderr(`reconcile: internal error (a bug; please report it with this trace):\n${stack}`);
  json?.({
    error: {
      exit: ExitCode.internal,
      reason: 'internal',
      message: maskPasswords(firstLine(e instanceof Error ? e.message : String(e))),
    },
  });
  return ExitCode.internal;
}

/** A usage error commander found (an unknown option, a bad value), for `--json`. */
export function usageDocument(message: string): ErrorDocument {
  return { error: { exit: ExitCode.usage, reason: 'bad-usage', message: maskPasswords(message) } };
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}
