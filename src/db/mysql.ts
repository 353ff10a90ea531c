/**
 * The only module that imports mysql2. Every session is UTC, utf8mb4, and strict.
 */
import type { Readable } from 'node:stream';
import mysql from 'mysql2';
import type { Logger } from 'pino';
import { ConnectionError, UserError } from '../errors.js';
import { asFault, connectionReason, type FaultContext, FaultError, faultOf } from '../faults.js';
import { driverErrorFields, explainConnectError, TLS_REQUIRED } from './connect-errors.js';
import { quoteId } from './quote.js';
import {
  driverTimeouts,
  type SessionLimits,
  sessionLimits,
  statementLimitSql,
} from './session-limits.js';
import {
  closedError,
  NoAnswerError,
  noAnswerError,
  notSent,
  packetTooLarge,
} from './statement-faults.js';

export { mib } from './statement-faults.js';

import { statementKind, watchStatement } from './statement-watch.js';
import { type DriverSsl, tlsAttempt } from './tls.js';
import type { Connection, ExecResult, LoadResult, RawRow, ServerInfo, SqlParam } from './types.js';
import { type DbTarget, describeTarget } from './url.js';

export interface ConnectOptions {
  /** Skip the `USE schema` (to create or drop the schema itself). */
  readonly noSchema?: boolean;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
  /** Allow several statements in one call: only for trusted scripts (test fixtures, the demo). */
  readonly multipleStatements?: boolean;
}

interface DriverError extends Error {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  fatal?: boolean;
}

/**
 * A driver error that says the server cannot be reached or refused us, as a one-line
 * ConnectionError (its reason from faults.ts, by code; TLS, socket and password failures
 * explained by connect-errors.ts); a fault while connecting (a reset, a timeout) is "cannot
 * connect" too. Anything else is returned as it is.
 */
export function translateDriverError(e: unknown, target: DbTarget, connecting = false): unknown {
  const reason = connectionReason(e) ?? (connecting && faultOf(e) ? 'cannot-connect' : null);
  const explained = explainConnectError(e, target);
  if (explained !== null) {
    return new ConnectionError(`${describeTarget(target)}: ${explained}`, {
      cause: e,
      reason: reason ?? 'cannot-connect',
    });
  }
  if (reason === null) return e;
  const err = driverErrorFields(e);
  const detail = err.sqlMessage ?? err.message ?? err.code;
  return new ConnectionError(`${describeTarget(target)}: ${detail}`, { cause: e, reason });
}

/** Servers that answered a PREFERRED connection without TLS: later ones go plain at once. */
const offersNoTls = new Set<string>();

/**
 * Opens a session as `target.tls` says (src/db/tls.ts): PREFERRED tries TLS and, when the
 * server offers none, connects plain (mysql2 cannot fall back inside one handshake).
 */
export async function connect(target: DbTarget, options: ConnectOptions = {}): Promise<Connection> {
  const tls = tlsAttempt(target, describeTarget(target));
  const address = target.socket ?? `${target.host.toLowerCase()}:${target.port}`;
  const useTls = tls.ssl !== undefined && !(tls.fallbackToPlain && offersNoTls.has(address));
  try {
    if (useTls) {
      try {
        return await openSession(target, options, tls.ssl);
      } catch (e) {
        const plainWillDo = tls.fallbackToPlain && driverCode(e) === 'HANDSHAKE_NO_SSL_SUPPORT';
        if (!plainWillDo) throw e;
        offersNoTls.add(address);
      }
    }
    return await openSession(target, options, undefined);
  } catch (e) {
    throw await connectFailure(e, target);
  }
}

async function openSession(
  target: DbTarget,
  options: ConnectOptions,
  ssl: DriverSsl | undefined,
): Promise<Connection> {
  const limits = sessionLimits();
  const conn = mysql.createConnection({
    ...(target.socket !== null
      ? { socketPath: target.socket }
      : { host: target.host, port: target.port }),
    ...(ssl !== undefined ? { ssl } : {}),
    user: target.user,
    password: target.password ?? '',
    database: options.noSchema ? undefined : target.schema,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    multipleStatements: options.multipleStatements === true,
    ...driverTimeouts(limits),
    ...(options.connectTimeoutMs ? { connectTimeout: options.connectTimeoutMs } : {}),
    // Stack traces of query errors point at our call sites, not the driver's internals.
    trace: false,
  });
  const promise = conn.promise();
  try {
    await promise.connect();
  } catch (e) {
    conn.destroy();
    throw new HandshakeFailure(e, ssl !== undefined, serverOffersTls(conn));
  }
  // An idle pooled socket that dies must not crash the process; the next query reports it.
  conn.on('error', (e: DriverError) => {
    options.logger?.debug({ event: 'db.connection-error', code: e.code }, 'connection error');
  });
  const info = await readServerInfo(conn).catch((e: unknown) => {
    conn.destroy();
    throw translateDriverError(e, target, true);
  });
  const session = new MysqlConnection(conn, target, info, limits, options.logger);
  const limitSql = statementLimitSql(info.flavor, limits);
  if (limitSql) await session.execute(limitSql);
  await session.execute(
    "SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_bin, SESSION sql_mode = CONCAT_WS(',', 'STRICT_ALL_TABLES', 'NO_AUTO_VALUE_ON_ZERO', 'NO_ENGINE_SUBSTITUTION', 'ERROR_FOR_DIVISION_BY_ZERO'), SESSION group_concat_max_len = 1048576",
  );
  return session;
}

/** A connection that did not open: the driver's error, and what the handshake showed. */
class HandshakeFailure extends Error {
  constructor(
    readonly driverError: unknown,
    readonly overTls: boolean,
    readonly serverOffersTls: boolean,
  ) {
    super('handshake failed', { cause: driverError });
  }
}

function driverCode(e: unknown): string | undefined {
  const err = e instanceof HandshakeFailure ? e.driverError : e;
  return driverErrorFields(err).code;
}

/** CLIENT_SSL in the server's greeting; mysql2 keeps the flags on the connection (not typed). */
function serverOffersTls(conn: mysql.Connection): boolean {
  const flags = 'serverCapabilityFlags' in conn ? conn.serverCapabilityFlags : undefined;
  return typeof flags === 'number' && (flags & 0x800) !== 0;
}

/**
 * The error a failed connect reports. MariaDB answers a plain login to a server with
 * require_secure_transport=ON with a bare "Access denied" (MySQL says ER_SECURE_TRANSPORT_REQUIRED),
 * so when a plain TCP login is denied by a server that offers TLS, one login over TLS (as
 * ssl-mode=REQUIRED would) tells "requires TLS" from "wrong password"; it is closed at once.
 */
async function connectFailure(e: unknown, target: DbTarget): Promise<unknown> {
  if (!(e instanceof HandshakeFailure)) return e;
  const denied = driverCode(e) === 'ER_ACCESS_DENIED_ERROR';
  if (denied && !e.overTls && e.serverOffersTls && target.socket === null) {
    const probe = await openSession(
      target,
      { noSchema: true, connectTimeoutMs: 5000 },
      {
        rejectUnauthorized: false,
        verifyIdentity: false,
      },
    ).catch(() => null);
    if (probe !== null) {
      probe.destroy();
      return new ConnectionError(`${describeTarget(target)}: ${TLS_REQUIRED}`, {
        cause: e,
        reason: 'cannot-connect',
      });
    }
  }
  return translateDriverError(e.driverError, target, true);
}

async function readServerInfo(
  conn: mysql.Connection,
): Promise<ServerInfo & { readonly maxPacket: number }> {
  const [rows] = await conn.promise().query({
    sql: 'SELECT VERSION() AS v, @@max_allowed_packet AS p',
    rowsAsArray: true,
  });
  const row = (rows as unknown[][])[0];
  const version = String(row?.[0] ?? '');
  const maxPacket = Number(row?.[1] ?? 0);
  return { version, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql', maxPacket };
}

/**
 * A connection of ours over mysql2's. Every statement is watched (statement-watch.ts): a
 * server that stops answering ends it with a timeout instead of a hang. `abort` settles every
 * statement in flight at once and closes the socket; the server then rolls back any open
 * transaction.
 */
class MysqlConnection implements Connection {
  readonly threadId: number;
  readonly server: ServerInfo;
  private readonly maxPacket: number;
  private readonly where: string;
  /** why the connection was closed under its statements (a timeout, an interrupt), if it was */
  private abortedWith: Error | null = null;
  private readonly inFlight = new Set<(e: Error) => void>();

  constructor(
    private readonly conn: mysql.Connection,
    private readonly target: DbTarget,
    info: ServerInfo & { readonly maxPacket: number },
    private readonly limits: SessionLimits,
    private readonly logger: Logger | undefined,
  ) {
    this.threadId = conn.threadId ?? 0;
    this.server = { version: info.version, flavor: info.flavor };
    this.maxPacket = info.maxPacket;
    this.where = describeTarget(target);
  }

  async rawRows(sql: string, params: readonly SqlParam[] = []): Promise<RawRow[]> {
    const [rows] = await this.run(sql, params, (text) =>
      this.conn.promise().query({ sql: text, rowsAsArray: true, typeCast: false }),
    );
    return rows as RawRow[];
  }

  async *streamRaw(sql: string, params: readonly SqlParam[] = []): AsyncIterable<RawRow> {
    const text = this.prepare(sql, params);
    const stream = this.conn
      .query({ sql: text, rowsAsArray: true, typeCast: false })
      .stream({ highWaterMark: 256 });
    const watch = this.watch(sql, (e) => stream.destroy(e));
    try {
      for await (const row of stream) {
        watch.touch();
        yield row as RawRow;
      }
    } catch (e) {
      throw this.fail(e, sql);
    } finally {
      watch.done();
      // Leaving the loop early must not leave the connection mid-result.
      if (!stream.destroyed) stream.destroy();
    }
  }

  async query<T extends object>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const [rows] = await this.run(sql, params, (text) => this.conn.promise().query(text));
    return rows as T[];
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<ExecResult> {
    const [res] = await this.run(sql, params, (text) => this.conn.promise().query(text));
    const r = res as { affectedRows?: number; insertId?: number | string };
    return { affectedRows: r.affectedRows ?? 0, insertId: String(r.insertId ?? 0) };
  }

  async loadLocal(sql: string, data: Readable): Promise<LoadResult> {
    const [res] = await this.run(sql, [], (text) =>
      this.conn.promise().query({ sql: text, infileStreamFactory: () => data }),
    );
    const r = res as { affectedRows?: number; warningStatus?: number };
    return { affectedRows: r.affectedRows ?? 0, warnings: r.warningStatus ?? 0 };
  }

  async close(): Promise<void> {
    if (this.abortedWith) return;
    try {
      await this.conn.promise().end();
    } catch {
      this.destroy();
    }
  }

  destroy(): void {
    this.abort(closedError('the connection was closed by reconcile'));
  }

  /**
   * Closes the socket now: statements in flight end with `reason`, the server sees the client
   * go and rolls back its open transaction. mysql2's own destroy only half-closes the socket
   * and leaves a pending statement waiting forever, so the socket is destroyed too.
   */
  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    for (const reject of [...this.inFlight]) reject(reason);
    this.inFlight.clear();
    this.conn.destroy();
    // mysql2 keeps its socket on the connection (not typed)
    const stream = 'stream' in this.conn ? this.conn.stream : undefined;
    if (typeof stream === 'object' && stream !== null && 'destroy' in stream) {
      if (typeof stream.destroy === 'function') stream.destroy();
    }
  }

  /** Formats the statement as the driver would, and refuses one the server would not take. */
  private prepare(sql: string, params: readonly SqlParam[]): string {
    const text = params.length > 0 ? this.conn.format(sql, params as unknown[]) : sql;
    // The packet carries the statement and a 5-byte header; mysql2 sends text as UTF-8.
    if (this.maxPacket > 0 && text.length * 3 + 5 > this.maxPacket) {
      const bytes = Buffer.byteLength(text, 'utf8') + 5;
      if (bytes > this.maxPacket) throw packetTooLarge(bytes, this.maxPacket, this.where, sql);
    }
    return text;
  }

  /** One statement, watched, its failure translated. */
  private async run<T>(
    sql: string,
    params: readonly SqlParam[],
    send: (text: string) => Promise<T>,
  ): Promise<T> {
    const text = this.prepare(sql, params);
    // Closed before this statement was sent: the server never saw it.
    if (this.abortedWith) throw this.fail(notSent(this.abortedWith), sql);
    let reject: (e: Error) => void = () => undefined;
    const aborted = new Promise<never>((_, r) => {
      reject = r;
    });
    const watch = this.watch(sql, reject);
    try {
      return await Promise.race([send(text), aborted]);
    } catch (e) {
      throw this.fail(e, sql);
    } finally {
      watch.done();
    }
  }

  private watch(sql: string, onAbort: (e: Error) => void): { touch(): void; done(): void } {
    if (this.abortedWith) {
      // Closed before this statement was sent: the server never saw it.
      onAbort(notSent(this.abortedWith));
      return { touch: () => undefined, done: () => undefined };
    }
    this.inFlight.add(onAbort);
    const w = watchStatement({
      limits: this.limits,
      logger: this.logger,
      where: this.where,
      statement: statementKind(sql),
      onNoAnswer: () => this.abort(noAnswerError(this.limits.queryTimeoutSeconds)),
    });
    return {
      touch: () => w.touch(),
      done: () => {
        w.done();
        this.inFlight.delete(onAbort);
      },
    };
  }

  private fail(e: unknown, sql: string): unknown {
    if (e instanceof UserError) return e;
    const translated = translateDriverError(e, this.target);
    if (translated !== e) return translated;
    const err = driverErrorFields(e);
    const context: FaultContext = {
      where: this.where,
      statement: statementKind(sql),
      ...(e instanceof NoAnswerError ? { what: e.message } : {}),
    };
    const fault = asFault(e, context);
    if (fault instanceof FaultError && fault.fault.reason === 'value-refused' && err.sqlMessage) {
      return fault.within({ what: `${fault.fault.what}: ${err.sqlMessage}` });
    }
    if (fault !== e) return fault;
    // Re-attach the caller's stack (the driver's is its own event loop) and the statement.
    return new QueryError(
      `${err.code ?? 'ERROR'}: ${err.sqlMessage ?? err.message} [in: ${sql.slice(0, 500)}]`,
      err.code,
      err.errno,
      { cause: e },
    );
  }
}

/** A statement the server refused; `code` is the server's symbolic error (ER_DUP_ENTRY, ...). */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly errno: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QueryError';
  }
}

/** Creates the schema named by `target` (dropping it first when `fresh`). For tests and the demo. */
export async function createSchema(target: DbTarget, fresh: boolean): Promise<void> {
  const c = await connect(target, { noSchema: true });
  try {
    if (fresh) await c.execute(`DROP DATABASE IF EXISTS ${quoteId(target.schema)}`);
    await c.execute(
      `CREATE DATABASE IF NOT EXISTS ${quoteId(target.schema)} CHARACTER SET utf8mb4`,
    );
  } finally {
    await c.close();
  }
}

/** Runs a trusted multi-statement SQL script (fixtures, the demo) in `target`'s schema. */
export async function runScript(target: DbTarget, sql: string): Promise<void> {
  const c = await connect(target, { multipleStatements: true });
  try {
    await c.execute(sql);
  } finally {
    await c.close();
  }
}

export async function dropSchema(target: DbTarget): Promise<void> {
  const c = await connect(target, { noSchema: true });
  try {
    await c.execute(`DROP DATABASE IF EXISTS ${quoteId(target.schema)}`);
  } finally {
    await c.close();
  }
}
