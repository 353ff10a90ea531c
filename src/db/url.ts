import { UsageError } from '../errors.js';

/**
 * Where a schema lives. The password is a non-enumerable property so that it never reaches
 * JSON.stringify, a logger or util.inspect by accident; read it only to open a connection.
 */
export interface DbTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly schema: string;
  readonly password: string | undefined;
}

const DEFAULT_PORT = 3306;

/**
 * Parses `mysql://user:password@host:port/schema` (also `mariadb://`). The password may come from
 * MYSQL_PWD instead. Throws a UsageError that never repeats the password.
 */
export function parseDbUrl(
  raw: string,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): DbTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `${what}: not a URL (expected mysql://user[:password]@host[:port]/schema, got ${JSON.stringify(redactRawUrl(raw))})`,
    );
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new UsageError(
      `${what}: expected a mysql:// URL, got ${JSON.stringify(url.protocol.replace(/:$/, ''))}://`,
    );
  }
  if (!url.hostname) throw new UsageError(`${what}: the URL has no host`);
  const schema = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!schema || schema.includes('/')) {
    throw new UsageError(
      `${what}: the URL must name one schema, as in mysql://user@host:3306/shop (got ${JSON.stringify(redactRawUrl(raw))})`,
    );
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  const user = decodeURIComponent(url.username || 'root');
  const password = url.password ? decodeURIComponent(url.password) : env.MYSQL_PWD;
  return makeTarget({ host: url.hostname.replace(/^\[|\]$/g, ''), port, user, schema }, password);
}

/** A target like `base` but for another schema on the same server, with the same credentials. */
export function withSchema(base: DbTarget, schema: string): DbTarget {
  return makeTarget({ host: base.host, port: base.port, user: base.user, schema }, base.password);
}

function makeTarget(fields: Omit<DbTarget, 'password'>, password: string | undefined): DbTarget {
  const t = { ...fields } as DbTarget;
  Object.defineProperty(t, 'password', { value: password, enumerable: false });
  return Object.freeze(t);
}

/** The URL with no secret: safe for logs, plans and reports. */
export function describeTarget(t: DbTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `mysql://${encodeURIComponent(t.user)}@${host}:${t.port}/${encodeURIComponent(t.schema)}`;
}

/** Whether two targets are on the same server (so one session can read both schemas). */
export function sameServer(a: DbTarget, b: DbTarget): boolean {
  return a.host === b.host && a.port === b.port && a.user === b.user;
}

/**
 * Masks a password in a URL-like string that failed to parse, for an error message. Up to the
 * last '@': a password may itself hold '@' (mysql://root:p@ss@host/x).
 */
function redactRawUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@]*:).*@/, '$1***@');
}
