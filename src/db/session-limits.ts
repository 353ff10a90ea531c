/**
 * How long reconcile waits on a server: to connect, per statement, and before it says it is
 * waiting. A paused or half-dead server must end a command with a line that names it, not
 * hang it forever. Set once by the CLI (`--query-timeout`) before anything connects; library
 * callers and tests get the defaults.
 */

export interface SessionLimits {
  /** seconds a statement may run (the server's own limit, and the client's); 0: no limit */
  readonly queryTimeoutSeconds: number;
  /** how long a connection (TCP and handshake) may take */
  readonly connectTimeoutMs: number;
  /** TCP keepalive: idle time before the first probe, so a vanished host is noticed */
  readonly keepAliveMs: number;
  /** a statement waited on this long is said on stderr, once */
  readonly noticeMs: number;
}

/** Generous: a batch takes seconds; the longest single statements (a scratch copy) minutes. */
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 3600;
const CONNECT_TIMEOUT_MS = 10_000;

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  queryTimeoutSeconds: DEFAULT_QUERY_TIMEOUT_SECONDS,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
  keepAliveMs: 10_000,
  noticeMs: 5_000,
};

let current: SessionLimits = DEFAULT_SESSION_LIMITS;

/**
 * Sets the limits for every connection opened from now on. A short query timeout shortens the
 * connect timeout too: a server that takes longer to shake hands than a statement may run is
 * not answering.
 */
export function setSessionLimits(l: Partial<SessionLimits>): void {
  const next = { ...current, ...l };
  const q = next.queryTimeoutSeconds * 1000;
  current = {
    ...next,
    connectTimeoutMs: q > 0 ? Math.min(next.connectTimeoutMs, q) : next.connectTimeoutMs,
    // Said before giving up, however short the limit.
    noticeMs: q > 0 ? Math.min(next.noticeMs, q / 2) : next.noticeMs,
  };
}

export function sessionLimits(): SessionLimits {
  return current;
}

/** mysql2's options for connecting: the connect timeout and TCP keepalive. */
export function driverTimeouts(l: SessionLimits): {
  connectTimeout: number;
  enableKeepAlive: true;
  keepAliveInitialDelay: number;
} {
  return {
    connectTimeout: l.connectTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: l.keepAliveMs,
  };
}

/**
 * The server's own per-statement limit, so a statement past it is ended by the server (its
 * locks freed, its work stopped) with an error: MariaDB's `max_statement_time` (seconds, every
 * statement), MySQL's `max_execution_time` (milliseconds, read-only SELECTs only).
 */
export function statementLimitSql(flavor: 'mariadb' | 'mysql', l: SessionLimits): string | null {
  const s = l.queryTimeoutSeconds;
  if (!(s > 0)) return null;
  return flavor === 'mariadb'
    ? `SET SESSION max_statement_time = ${s}`
    : `SET SESSION max_execution_time = ${Math.round(s * 1000)}`;
}

/**
 * How long the client waits for an answer before it gives up on the server: a little past the
 * server's own limit, so a live server ends the statement itself and says why; only a server
 * that cannot answer (paused, half-dead) meets this one. Null: no limit.
 */
export function clientTimeoutMs(l: SessionLimits): number | null {
  const s = l.queryTimeoutSeconds;
  return s > 0 ? s * 1000 + Math.min(3000, s * 500) : null;
}
