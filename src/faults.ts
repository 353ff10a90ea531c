/**
 * The one place that tells the environment's faults from bugs: by error code (the server's
 * symbolic code, mysql2's protocol codes, Node's errno codes), never by message text. A fault
 * becomes a `FaultError` (exit 3, with a reason) carrying what happened and what to do;
 * the code that knows more (the table, the batch) adds it with `FaultError.within`.
 */
import { type ConnectionReason, PreconditionError, type PreconditionReason } from './errors.js';

export interface Fault {
  readonly reason: PreconditionReason;
  /** the error code that decided it */
  readonly code: string;
  /** what happened, as a DBA would say it: "lock wait timeout" */
  readonly what: string;
  /** why, when the code tells: "row locked by another transaction" */
  readonly why?: string;
  /** what to do besides rerunning */
  readonly advice?: string;
  /** the connection is gone: a statement in flight may or may not have been applied */
  readonly connectionLost: boolean;
  /** whether running the command again can succeed once the cause is gone */
  readonly rerun: boolean;
  /** the statement never left the client (its connection was closed already) */
  readonly unsent: boolean;
}

type FaultSpec = Omit<Fault, 'code' | 'connectionLost' | 'rerun' | 'unsent'> & {
  readonly connectionLost?: boolean;
  readonly rerun?: boolean;
  readonly unsent?: boolean;
};

const GONE: FaultSpec = {
  reason: 'server-gone',
  what: 'the connection to the server was lost',
  why: 'server stopped, restarted or killed the connection, or the network failed',
  connectionLost: true,
};
const TIMEOUT: FaultSpec = {
  reason: 'timeout',
  what: "the statement ran past the server's statement time limit (--query-timeout)",
  advice: 'raise --query-timeout if the statement is legitimately long',
};
const VALUE: FaultSpec = {
  reason: 'value-refused',
  what: "the target's column refuses a value",
  why: 'its definition changed since the plan?',
  advice: 'check the table and make the plan again',
  rerun: false,
};

/**
 * Server and driver codes. MariaDB's own codes that mysql2 does not name are named by their
 * errno in `MARIADB_CODES`.
 */
const SERVER_FAULTS: Readonly<Record<string, FaultSpec>> = {
  ER_QUERY_INTERRUPTED: {
    reason: 'query-killed',
    what: 'the statement was killed on the server (KILL QUERY)',
  },
  ER_STATEMENT_TIMEOUT: TIMEOUT,
  ER_QUERY_TIMEOUT: TIMEOUT,
  RECONCILE_NO_ANSWER: {
    reason: 'timeout',
    what: 'no answer from the server within --query-timeout',
    why: 'the server is paused, overloaded or half-dead',
    advice: 'check the server',
    connectionLost: true,
  },
  ER_LOCK_WAIT_TIMEOUT: {
    reason: 'lock-wait-timeout',
    what: 'lock wait timeout',
    why: 'row locked by another transaction',
    advice: 'find the transaction holding it (information_schema.INNODB_TRX)',
  },
  ER_LOCK_DEADLOCK: { reason: 'deadlock', what: 'deadlock', why: 'with another transaction' },
  ER_NET_PACKET_TOO_LARGE: {
    reason: 'packet-too-large',
    what: "a statement or row larger than the server's max_allowed_packet",
    advice: 'raise max_allowed_packet on the server',
    connectionLost: true,
  },
  ER_WARN_ALLOWED_PACKET_OVERFLOWED: {
    reason: 'packet-too-large',
    what: "a value larger than the server's max_allowed_packet",
    advice: 'raise max_allowed_packet on the server',
  },
  ER_DISK_FULL: { reason: 'disk', what: "the server's disk is full" },
  ER_RECORD_FILE_FULL: { reason: 'disk', what: 'the table is full', why: "the server's disk?" },
  ER_OPTION_PREVENTS_STATEMENT: {
    reason: 'read-only',
    what: "the server's options refuse the statement",
    why: 'read_only?',
  },
  ER_READ_ONLY_MODE: { reason: 'read-only', what: 'the server is in read-only mode' },
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: {
    reason: 'read-only',
    what: 'the transaction is read-only',
  },
  ER_DUP_ENTRY: {
    reason: 'value-refused',
    what: 'a duplicate key',
    why: 'the target changed since the plan, or the plan misses a unique-key conflict',
    advice: 'make the plan again',
    rerun: false,
  },
  ER_DATA_TOO_LONG: VALUE,
  ER_WARN_DATA_OUT_OF_RANGE: VALUE,
  ER_TRUNCATED_WRONG_VALUE: VALUE,
  ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: VALUE,
  ER_BAD_NULL_ERROR: { ...VALUE, what: "the target's column refuses a NULL" },
  ER_SERVER_SHUTDOWN: { ...GONE, what: 'the server is shutting down' },
  ER_CONNECTION_KILLED: { ...GONE, what: 'the connection was killed on the server (KILL)' },
  ER_CLIENT_INTERACTION_TIMEOUT: GONE,
  PROTOCOL_CONNECTION_LOST: GONE,
  RECONCILE_CONNECTION_CLOSED: GONE,
  RECONCILE_NOT_SENT: { ...GONE, what: 'the connection was closed already', unsent: true },
  ECONNRESET: GONE,
  EPIPE: GONE,
  ETIMEDOUT: { ...GONE, why: 'the network or the server stopped answering (TCP keepalive)' },
};

/** MariaDB error numbers mysql2 has no name for (its table is MySQL's). */
export const MARIADB_CODES: Readonly<Record<number, string>> = {
  1927: 'ER_CONNECTION_KILLED',
  1969: 'ER_STATEMENT_TIMEOUT',
};

/** Node's errno codes of file-system calls (writing a plan, a report, a diff's files). */
const FILE_FAULTS: Readonly<Record<string, FaultSpec>> = {
  ENOSPC: { reason: 'disk', what: 'no space left on the device', advice: 'free space there' },
  EDQUOT: { reason: 'disk', what: 'the disk quota is exhausted', advice: 'free space there' },
  ENOENT: {
    reason: 'no-folder',
    what: 'no such file or folder',
    advice: 'create the folder or name another',
  },
  ENOTDIR: {
    reason: 'no-folder',
    what: 'a part of the path is not a folder',
    advice: 'name another path',
  },
  EROFS: { reason: 'read-only', what: 'a read-only file system', advice: 'name another folder' },
  EACCES: { reason: 'permission', what: 'permission denied', advice: 'name another folder' },
  EPERM: { reason: 'permission', what: 'operation not permitted', advice: 'name another folder' },
};

/**
 * Codes that mean a server cannot be reached or refused us: a ConnectionError, not a fault of
 * a run in progress.
 */
const CONNECTION_CODES: Readonly<Record<string, ConnectionReason>> = {
  ECONNREFUSED: 'cannot-connect',
  ENOTFOUND: 'cannot-connect',
  EAI_AGAIN: 'cannot-connect',
  EHOSTUNREACH: 'cannot-connect',
  ENETUNREACH: 'cannot-connect',
  ER_NOT_SUPPORTED_AUTH_MODE: 'cannot-connect',
  ER_HOST_NOT_PRIVILEGED: 'access-denied',
  ER_HOST_IS_BLOCKED: 'access-denied',
  ER_ACCESS_DENIED_ERROR: 'access-denied',
  ER_DBACCESS_DENIED_ERROR: 'access-denied',
  ER_TABLEACCESS_DENIED_ERROR: 'access-denied',
  ER_COLUMNACCESS_DENIED_ERROR: 'access-denied',
  ER_SPECIFIC_ACCESS_DENIED_ERROR: 'access-denied',
  ER_BAD_DB_ERROR: 'unknown-schema',
  ER_CON_COUNT_ERROR: 'too-many-connections',
  ER_TOO_MANY_USER_CONNECTIONS: 'too-many-connections',
};

interface Coded {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly cause?: unknown;
  readonly syscall?: unknown;
}

/** The error's code: its own, MariaDB's name for its errno, or (mysql2) a fatal one's. */
export function codeOf(e: unknown): string | null {
  if (e === null || typeof e !== 'object') return null;
  const c = e as Coded;
  if (typeof c.code === 'string' && c.code !== 'UNKNOWN_CODE_PLEASE_REPORT') return c.code;
  if (typeof c.errno === 'number' && MARIADB_CODES[c.errno]) return MARIADB_CODES[c.errno] ?? null;
  // mysql2 refuses a command on a closed connection with a fatal error that has no code.
  if (c.fatal === true) return 'RECONCILE_CONNECTION_CLOSED';
  return null;
}

/** The reason a connection-level code gives (cannot connect, access denied...), if it is one. */
export function connectionReason(e: unknown): ConnectionReason | null {
  const code = codeOf(e);
  return code === null ? null : (CONNECTION_CODES[code] ?? null);
}

/**
 * The fault an error is, if it is one: its own code, or its cause's (a wrapped driver error).
 * File-system codes count only for errors of a system call (they carry a `syscall`), so an
 * ENOENT made up by some library stays a bug.
 */
export function faultOf(e: unknown): Fault | null {
  for (let x: unknown = e, depth = 0; x && depth < 5; depth++) {
    if (x instanceof FaultError) return x.fault;
    const code = codeOf(x);
    const spec = code === null ? undefined : (SERVER_FAULTS[code] ?? fileFault(x, code));
    if (code !== null && spec)
      return { connectionLost: false, rerun: true, unsent: false, ...spec, code };
    x = (x as Coded).cause;
  }
  return null;
}

function fileFault(e: unknown, code: string): FaultSpec | undefined {
  const spec = FILE_FAULTS[code];
  return spec && typeof (e as Coded).syscall === 'string' ? spec : undefined;
}

/**
 * A file-system error as a FaultError naming the file and the call: "no space left on the
 * device (ENOSPC, write) on plans/p1/actions/001-orders.jsonl.gz; free space there; then rerun".
 * Null when it is no file-system fault.
 */
export function fileFaultError(e: unknown): FaultError | null {
  const fault = faultOf(e);
  if (!fault || !FILE_FAULTS[fault.code]) return null;
  const f = e as { path?: unknown; dest?: unknown; syscall?: unknown };
  const path = typeof f.path === 'string' ? f.path : typeof f.dest === 'string' ? f.dest : null;
  const call = typeof f.syscall === 'string' ? `, ${f.syscall}` : '';
  return new FaultError(
    fault,
    { ...(path ? { where: path } : {}), what: `${fault.what} (${fault.code}${call})` },
    e,
  );
}

/**
 * A file-system fault met while writing `path` (a file or folder the user named: --out,
 * --html, a plan folder) as a FaultError naming that path: not the temporary file beside it
 * (`r.html.123.tmp`, `plan.partial/`), nor a file inside it, nor nothing at all (a write to a
 * full disk names no file). A fault on a path elsewhere keeps its own path; an error that is
 * no file-system fault is returned as it is.
 */
export function onUserPath(e: unknown, path: string): unknown {
  const f = e instanceof FaultError ? e : fileFaultError(e);
  if (!f || !FILE_FAULTS[f.fault.code]) return e;
  const own = f.context.where;
  return own === undefined || isUnder(own, path) ? f.within({ where: path }) : f;
}

/** Runs `write`, which writes `path` or beside or inside it, telling its file faults on `path`. */
export async function writingTo<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw onUserPath(e, path);
  }
}

/** Whether `p` is `user`, a file beside it named after it (`user.…`), or inside it. */
function isUnder(p: string, user: string): boolean {
  const base = user.length > 1 ? user.replace(/\/+$/, '') : user;
  return p === user || p === base || p.startsWith(`${base}.`) || p.startsWith(`${base}/`);
}

/** Where and in what a fault happened; the more the caller knows, the better the line. */
export interface FaultContext {
  /** the server (a URL without secrets) or the file the fault is about */
  readonly where?: string;
  /** the statement's first word, `SELECT`, `INSERT`, ..., `COMMIT` */
  readonly statement?: string;
  /** `schema.table` */
  readonly table?: string;
  /** the journal seq of the batch, and whether its transaction may have reached COMMIT */
  readonly batch?: { readonly seq: number; readonly undo?: boolean; readonly committing: boolean };
  /** facts that replace the fault's generic phrase (a packet's sizes, a timeout's seconds) */
  readonly what?: string;
  readonly advice?: string;
  /** an apply's: the batches of its plan that stay applied, to say the ways on from there */
  readonly applied?: AppliedSoFar;
}

/** Where a failed apply leaves its plan: batches committed (this run and earlier ones). */
export interface AppliedSoFar {
  readonly batches: number;
  /** the plan folder as the user named it, for the commands the line gives */
  readonly planDir: string;
}

/**
 * The end of a failed apply's line: how many batches of the plan stay applied, and the ways
 * on: rerun the same command to resume (when a rerun can succeed once the cause is gone), or
 * undo them with rollback. `uncertain`: the last batch may have committed (the journal knows).
 */
export function appliedTail(
  a: AppliedSoFar,
  rerun: boolean,
  advice: string | undefined,
  uncertain = false,
): string {
  const rollback = `\`reconcile rollback --plan ${shellWord(a.planDir)} --execute\``;
  const n = a.batches;
  const count = uncertain
    ? `${n} or ${n + 1} batches of this plan stay applied (the journal knows)`
    : n === 0
      ? 'no batch of this plan is applied'
      : `${n} batch${n === 1 ? '' : 'es'} of this plan stay${n === 1 ? 's' : ''} applied`;
  const then = advice ?? 'make the plan again';
  if (rerun) {
    const resume = `rerun the same command to ${n === 0 && !uncertain ? 'start again' : 'resume'}`;
    return n === 0 && !uncertain
      ? `${count}: ${resume}`
      : `${count}: ${resume}, or undo ${n === 1 && !uncertain ? 'it' : 'them'} with ${rollback}`;
  }
  const live = `\`reconcile apply --plan ${shellWord(a.planDir)} --execute --live\``;
  return n === 0 && !uncertain
    ? `${count}: ${then}`
    : `${count}: finish the apply with ${live} (rows changed since the plan are deferred, not overwritten), or undo ${n === 1 && !uncertain ? 'it' : 'them'} with ${rollback}, then ${then}`;
}

/**
 * A failed apply's error, told with where it leaves the plan (appliedTail): a fault through its
 * context, another refusal (a row changed since the plan, a backup changed) with the tail added;
 * anything else (an interruption says its own, a bug keeps its stack) as it is.
 */
export function withApplied(e: unknown, a: AppliedSoFar): unknown {
  if (e instanceof FaultError) return e.within({ applied: a });
  if (!(e instanceof PreconditionError)) return e;
  return new PreconditionError(e.reason, `${e.message}; ${appliedTail(a, false, undefined)}`, {
    cause: e,
    ...(e.table === undefined ? {} : { table: e.table }),
    ...(e.batch === undefined ? {} : { batch: e.batch }),
  });
}

/** A path as one shell word: as is when plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** A fault of the environment, with where it happened: exit 3, reason from the fault. */
export class FaultError extends PreconditionError {
  constructor(
    readonly fault: Fault,
    readonly context: FaultContext,
    cause: unknown,
  ) {
    super(fault.reason, describeFault(fault, context), {
      cause,
      ...(context.table ? { table: context.table } : {}),
      ...(context.batch ? { batch: context.batch.seq } : {}),
    });
  }

  /** The same fault, told with what the caller knows besides (its table, its batch). */
  within(more: FaultContext): FaultError {
    return new FaultError(this.fault, { ...this.context, ...more }, this.cause);
  }
}

/** `e` as a FaultError when it is a fault, else `e` itself. */
export function asFault(e: unknown, context: FaultContext): unknown {
  if (e instanceof FaultError) return e.within(context);
  const fault = faultOf(e);
  return fault ? new FaultError(fault, context, e) : e;
}

/**
 * One line: what happened, on what, why; what became of the batch; what to do.
 * "lock wait timeout on shop.orders batch 12 (row locked by another transaction); nothing of
 * batch 12 was written; rerun to resume"
 */
export function describeFault(f: Fault, c: FaultContext): string {
  const what = c.what ?? f.what;
  const on = c.table ?? c.where;
  const at = [on ? ` on ${on}` : '', c.batch ? ` batch ${c.batch.seq}` : ''].join('');
  const article = c.statement && /^[AEIOU]/.test(c.statement) ? 'an' : 'a';
  const why = [c.statement ? `in ${article} ${c.statement}` : '', f.why ?? '']
    .filter((s) => s)
    .join('; ');
  const server = c.table && c.where && !c.where.includes(c.table) ? ` at ${c.where}` : '';
  const parts = [`${what}${at}${server}${why ? ` (${why})` : ''}`];
  if (c.batch) parts.push(batchFate(f, c.batch));
  const advice = c.advice ?? f.advice;
  if (c.applied && !c.batch?.undo) {
    if (advice && f.rerun) parts.push(advice);
    const uncertain = c.batch?.committing === true && f.connectionLost && !f.unsent;
    parts.push(appliedTail(c.applied, f.rerun, f.rerun ? undefined : advice, uncertain));
    return parts.join('; ');
  }
  if (advice) parts.push(advice);
  if (f.rerun) {
    parts.push(
      c.batch ? (c.batch.undo ? 'rerun to finish the rollback' : 'rerun to resume') : 'then rerun',
    );
  }
  return parts.join('; ');
}

function batchFate(f: Fault, b: NonNullable<FaultContext['batch']>): string {
  const n = b.seq;
  if (b.committing && f.connectionLost && !f.unsent) {
    return `batch ${n} was either committed with its journal row or not at all (the connection went during COMMIT); the journal knows which`;
  }
  return b.undo
    ? `the undo of batch ${n} was rolled back, nothing of it is half-undone`
    : `nothing of batch ${n} was written`;
}
