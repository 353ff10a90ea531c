/**
 * The only module that imports mysql2. Every session is UTC, utf8mb4, and strict.
 */
import mysql from 'mysql2';
import type { Logger } from 'pino';
import { ConnectionError } from '../errors.js';
import { explainConnectError, TLS_REQUIRED } from './connect-errors.js';
import { quoteId } from './quote.js';
import { type DriverSsl, tlsAttempt } from './tls.js';
import type { Connection, ExecResult, RawRow, ServerInfo, SqlParam } from './types.js';
import { type DbTarget, describeTarget } from './url.js';

export interface ConnectOptions {
  /** Skip the `USE schema` (to create or drop the schema itself). */
  readonly noSchema?: boolean;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
  /** Allow several statements in one call: only for trusted scripts (test fixtures, the demo). */
  readonly multipleStatements?: boolean;
}

/** mysql2 error codes that mean "the user's environment", not a bug. */
const ENVIRONMENT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_HOST_IS_BLOCKED',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

interface DriverError extends Error {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  fatal?: boolean;
}

/** Turns a driver error into a one-line ConnectionError when it is the environment's fault. */
export function translateDriverError(e: unknown, target: DbTarget): unknown {
  const explained = explainConnectError(e, target);
  if (explained !== null) {
    return new ConnectionError(`${describeTarget(target)}: ${explained}`, { cause: e });
  }
  const err = e as DriverError;
  if (err && typeof err.code === 'string' && ENVIRONMENT_ERRORS.has(err.code)) {
    const where = describeTarget(target);
    const detail = err.sqlMessage ?? err.message ?? err.code;
    return new ConnectionError(`${where}: ${detail}`, { cause: e });
  }
  return e;
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
    connectTimeout: options.connectTimeoutMs ?? 10_000,
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
  const session = new MysqlConnection(conn, target, await readServerInfo(conn));
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
  return (err as DriverError | null)?.code;
}

/** CLIENT_SSL in the server's greeting; mysql2 keeps the flags on the connection (not typed). */
function serverOffersTls(conn: mysql.Connection): boolean {
  const flags = (conn as unknown as { serverCapabilityFlags?: number }).serverCapabilityFlags;
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
      return new ConnectionError(`${describeTarget(target)}: ${TLS_REQUIRED}`, { cause: e });
    }
  }
  return translateDriverError(e.driverError, target);
}

async function readServerInfo(conn: mysql.Connection): Promise<ServerInfo> {
  const [rows] = await conn.promise().query({ sql: 'SELECT VERSION() AS v', rowsAsArray: true });
  const version = String((rows as unknown[][])[0]?.[0] ?? '');
  return { version, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql' };
}

class MysqlConnection implements Connection {
  readonly threadId: number;
  constructor(
    private readonly conn: mysql.Connection,
    private readonly target: DbTarget,
    readonly server: ServerInfo,
  ) {
    this.threadId = conn.threadId ?? 0;
  }

  async rawRows(sql: string, params: readonly SqlParam[] = []): Promise<RawRow[]> {
    try {
      const [rows] = await this.conn
        .promise()
        .query({ sql, values: params as unknown[], rowsAsArray: true, typeCast: false });
      return rows as RawRow[];
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async *streamRaw(sql: string, params: readonly SqlParam[] = []): AsyncIterable<RawRow> {
    const stream = this.conn
      .query({ sql, values: params as unknown[], rowsAsArray: true, typeCast: false })
      .stream({ highWaterMark: 256 });
    try {
      for await (const row of stream) yield row as RawRow;
    } catch (e) {
      throw this.fail(e, sql);
    } finally {
      // Leaving the loop early must not leave the connection mid-result.
      if (!stream.destroyed) stream.destroy();
    }
  }

  async query<T extends object>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    try {
      const [rows] = await this.conn.promise().query({ sql, values: params as unknown[] });
      return rows as T[];
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<ExecResult> {
    try {
      const [res] = await this.conn.promise().query({ sql, values: params as unknown[] });
      const r = res as { affectedRows?: number; insertId?: number | string };
      return { affectedRows: r.affectedRows ?? 0, insertId: String(r.insertId ?? 0) };
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async close(): Promise<void> {
    try {
      await this.conn.promise().end();
    } catch {
      this.conn.destroy();
    }
  }

  destroy(): void {
    this.conn.destroy();
  }

  private fail(e: unknown, sql: string): unknown {
    const translated = translateDriverError(e, this.target);
    if (translated !== e) return translated;
    // Re-attach the caller's stack (the driver's is its own event loop) and the statement.
    const err = e as DriverError;
    const wrapped = new QueryError(
      `${err.code ?? 'ERROR'}: ${err.sqlMessage ?? err.message} [in: ${sql.slice(0, 500)}]`,
      err.code,
      err.errno,
      { cause: e },
    );
    return wrapped;
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
