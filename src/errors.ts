/**
 * Errors a user can cause, each with the exit code the command line contract gives it
 * (DESIGN.md §4) and a `reason` scripts branch on (`--json` prints both). Anything that is not
 * a `UserError` is a bug: the CLI prints its stack and exits 70. Library code throws; only
 * `cli/` maps errors to exit codes and exits.
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
  /** stopped by SIGINT (128 + 2), at a batch boundary */
  interrupted: 130,
  /** stopped by SIGTERM (128 + 15), at a batch boundary */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Why a precondition or the environment refused (exit 3). */
export type PreconditionReason =
  /** the target changed since the plan was made */
  | 'stale-plan'
  /** a row the plan updates or deletes is not the row the plan saw */
  | 'row-changed'
  /** the plan folder was edited, truncated, or is not a plan this version reads */
  | 'edited-plan'
  /** the target already holds the plan's result, without a journal of it */
  | 'already-merged'
  /** the target is not in the state this plan's journal records */
  | 'journal-mismatch'
  /** the plan is journaled on the target: a rehearsal comes before the apply */
  | 'journaled'
  | 'lock-held'
  | 'triggers'
  | 'unresolved'
  /** rows of the target hold ids the plan hands out as fresh ids (the target grew into them) */
  | 'fresh-ids-taken'
  /** a table of the plan is missing or its columns changed */
  | 'schema-changed'
  /** a row to restore is not in the backup any more */
  | 'backup-changed'
  /** the server refused a value or a unique key (ER_DUP_ENTRY, data too long, ...) */
  | 'value-refused'
  /** the plan cannot be made from these sources (reasons in the message) */
  | 'cannot-plan'
  /** the connection to a server was lost: killed, restarted, or the network */
  | 'server-gone'
  /** a statement ran past --query-timeout, or the server stopped answering */
  | 'timeout'
  /** a statement was killed (KILL QUERY) */
  | 'query-killed'
  /** InnoDB's innodb_lock_wait_timeout on rows another transaction holds */
  | 'lock-wait-timeout'
  | 'deadlock'
  /** a statement or row larger than the server's max_allowed_packet */
  | 'packet-too-large'
  /** no space left (the client's disk, or the server's) */
  | 'disk'
  /** a folder that does not exist */
  | 'no-folder'
  /** a read-only file system, or a server in read-only mode */
  | 'read-only'
  /** the operating system refused access to a file or folder */
  | 'permission'
  /** an in-place rehearsal failed and could not roll back: production is partly applied */
  | 'partly-applied';

/** Why a server could not be reached or refused us (exit 3). */
export type ConnectionReason =
  | 'cannot-connect'
  | 'access-denied'
  | 'unknown-schema'
  | 'too-many-connections';

/** Why the command line or its input is wrong (exit 2). */
export type UsageReason = 'bad-usage' | 'bad-url' | 'bad-config' | 'no-plan' | 'unknown-table';

export type Reason = PreconditionReason | ConnectionReason | UsageReason | 'interrupted';

/** Facts an error may carry besides its message, for `--json` and for callers that react. */
export interface ErrorDetails {
  readonly cause?: unknown;
  /**
   * The table concerned (the first one, when several are): `schema.table` of the target in a
   * run on a target (apply, rollback, rehearse, verify, a plan folder's files); the plain name
   * where plan making refuses a table of the sources (it has that name on both sides and in
   * the config).
   */
  readonly table?: string;
  /** the journal seq of the batch concerned */
  readonly batch?: number;
  /** a command that finishes or repairs what was left, as a user would type it */
  readonly command?: string;
}

export abstract class UserError extends Error {
  abstract readonly exitCode: ExitCode;
  abstract readonly reason: Reason;
  readonly table: string | undefined;
  readonly batch: number | undefined;
  readonly command: string | undefined;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.table = details.table;
    this.batch = details.batch;
    this.command = details.command;
  }
}

/** A user error of one exit code whose reason the thrower may give, else the usual one. */
abstract class ReasonedError<R extends Reason> extends UserError {
  readonly exitCode: ExitCode;
  readonly reason: R;
  constructor(
    exit: { readonly code: ExitCode; readonly usual: R },
    message: string,
    details: ErrorDetails & { reason?: R },
  ) {
    super(message, details);
    this.exitCode = exit.code;
    this.reason = details.reason ?? exit.usual;
  }
}

/** Bad flags, a malformed URL, an unknown table: exit 2. */
export class UsageError extends ReasonedError<UsageReason> {
  constructor(message: string, details: ErrorDetails & { reason?: UsageReason } = {}) {
    super({ code: ExitCode.usage, usual: 'bad-usage' }, message, details);
  }
}

/** A config file that does not validate; `problems` holds every problem with its path. */
export class ConfigError extends UserError {
  readonly exitCode = ExitCode.usage;
  readonly reason = 'bad-config';
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

/** Cannot connect, access denied, unknown schema: exit 3. */
export class ConnectionError extends ReasonedError<ConnectionReason> {
  constructor(message: string, details: ErrorDetails & { reason?: ConnectionReason } = {}) {
    super({ code: ExitCode.refused, usual: 'cannot-connect' }, message, details);
  }
}

/** A refused precondition (stale or edited plan, held lock, triggers) or environment: exit 3. */
export class PreconditionError extends UserError {
  readonly exitCode = ExitCode.refused;
  constructor(
    readonly reason: PreconditionReason,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details);
  }
}

/**
 * SIGINT or SIGTERM stopped the run at a batch boundary (or, after a second signal, at once,
 * its open transaction rolled back): exit 130 or 143.
 */
export class InterruptedError extends UserError {
  readonly reason = 'interrupted';
  readonly exitCode: ExitCode;
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details);
    this.exitCode = signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
