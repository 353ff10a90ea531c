/**
 * Errors a user can cause, each with the exit code the command line contract gives it
 * (DESIGN.md §4). Anything that is not a `UserError` is a bug: the CLI prints its stack and
 * exits 70. Library code throws; only `cli/` maps errors to exit codes and exits.
 */

export const ExitCode = {
  ok: 0,
  /** diff found differences, or verify found a mismatch */
  differences: 1,
  /** bad usage, config or input */
  usage: 2,
  /** environment or precondition refused: cannot connect, stale plan, triggers, lock held */
  refused: 3,
  /** a bug */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class UserError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, a malformed URL, an unknown table: exit 2. */
export class UsageError extends UserError {
  readonly exitCode = ExitCode.usage;
}

/** A config file that does not validate; `problems` holds every problem with its path. */
export class ConfigError extends UserError {
  readonly exitCode = ExitCode.usage;
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

/** Cannot connect, access denied, unknown schema: exit 3. */
export class ConnectionError extends UserError {
  readonly exitCode = ExitCode.refused;
}

/** A refused precondition: stale or edited plan, held lock, triggers: exit 3. */
export class PreconditionError extends UserError {
  readonly exitCode = ExitCode.refused;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
