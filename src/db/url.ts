import { UsageError } from '../errors.js';
import { maskPasswords } from '../secrets.js';
import { type ClientOptions, clientOptions, NO_CLIENT_OPTIONS } from './client-options.js';
import { DEFAULT_SSL_MODE, parseSslMode, type TlsSettings, tlsProblem } from './tls.js';

/** Where a target's password came from: said in messages, never the password itself. */
export type PasswordSource = 'url' | 'option-file' | 'MYSQL_PWD' | 'prompt' | 'none' | 'ask';

/**
 * Where a schema lives. The password is a non-enumerable property so that it never reaches
 * JSON.stringify, a logger or util.inspect by accident; read it only to open a connection.
 * Everything else here is safe to show: TLS settings are file paths, never file contents.
 */
export interface DbTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly schema: string;
  /** a Unix socket on this host, used instead of host:port (host is then `localhost`) */
  readonly socket: string | null;
  readonly tls: TlsSettings;
  /** `ask`: an option file says `password` with no value, so the CLI prompts for it */
  readonly passwordFrom: PasswordSource;
  readonly password: string | undefined;
}

const DEFAULT_PORT = 3306;

/** Options a URL may carry in its query, with the mysql client's names (`_` may stand for `-`). */
const URL_OPTIONS = ['socket', 'ssl-mode', 'ssl-ca', 'ssl-cert', 'ssl-key'] as const;
type UrlOption = (typeof URL_OPTIONS)[number];

/**
 * Parses `mysql://user:password@host:port/schema?ssl-mode=…&ssl-ca=…&socket=…` (also
 * `mariadb://`; `mysql:///schema?socket=…` names no host). Layered as the mysql client layers
 * its options: what the URL says wins, then `files` (option files, or a plan's endpoint), then
 * MYSQL_PWD for the password. Throws a UsageError that never repeats the password.
 */
export function parseDbUrl(
  raw: string,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
  files: ClientOptions = NO_CLIENT_OPTIONS,
): DbTarget {
  const url = parseUrl(raw, what);
  const schema = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!schema || schema.includes('/')) {
    throw new UsageError(
      `${what}: the URL must name one schema, as in mysql://user@host:3306/shop (got ${JSON.stringify(redactRawUrl(raw))})`,
      { reason: 'bad-url' },
    );
  }
  const query = urlOptions(url, what);
  const urlHost = url.hostname.replace(/^\[|\]$/g, '');
  const host = urlHost || files.host || 'localhost';
  const socket = socketOf(query.socket, files, urlHost, host, what);
  if (!urlHost && socket === null && files.host === undefined) {
    throw new UsageError(
      `${what}: the URL has no host (give one, as in mysql://user@host:3306/shop, or a socket: mysql://user@localhost/shop?socket=/run/mysqld/mysqld.sock)`,
      { reason: 'bad-url' },
    );
  }
  const port = url.port ? Number(url.port) : (files.port ?? DEFAULT_PORT);
  const user = decodeURIComponent(url.username) || files.user || 'root';
  const ca = query['ssl-ca'] ?? files.sslCa ?? null;
  const tls: TlsSettings = {
    mode:
      sslModeOf(query['ssl-mode'], what) ?? files.sslMode ?? (ca ? 'VERIFY_CA' : DEFAULT_SSL_MODE),
    ca,
    cert: query['ssl-cert'] ?? files.sslCert ?? null,
    key: query['ssl-key'] ?? files.sslKey ?? null,
  };
  const problem = tlsProblem({ host, socket, tls });
  if (problem !== null) throw new UsageError(`${what}: ${problem}`, { reason: 'bad-url' });
  const secret = passwordOf(url, files, env);
  return makeTarget(
    { host, port, user, schema, socket, tls, passwordFrom: secret.from },
    secret.password,
  );
}

function parseUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `${what}: not a URL (expected mysql://user[:password]@host[:port]/schema, got ${JSON.stringify(redactRawUrl(raw))})`,
      { reason: 'bad-url' },
    );
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new UsageError(
      `${what}: expected a mysql:// URL, got ${JSON.stringify(url.protocol.replace(/:$/, ''))}://`,
      { reason: 'bad-url' },
    );
  }
  return url;
}

function urlOptions(url: URL, what: string): Partial<Record<UrlOption, string>> {
  const out: Partial<Record<UrlOption, string>> = {};
  for (const [k, v] of url.searchParams) {
    const name = k.toLowerCase().replaceAll('_', '-');
    const option = URL_OPTIONS.find((o) => o === name);
    if (option === undefined) {
      throw new UsageError(
        `${what}: unknown URL option ${JSON.stringify(k)} (known: ${URL_OPTIONS.join(', ')})`,
        { reason: 'bad-url' },
      );
    }
    if (out[option] !== undefined)
      throw new UsageError(`${what}: ${option} is given twice`, { reason: 'bad-url' });
    if (v === '') throw new UsageError(`${what}: ${option} has no value`, { reason: 'bad-url' });
    out[option] = v;
  }
  return out;
}

function sslModeOf(raw: string | undefined, what: string) {
  if (raw === undefined) return undefined;
  const mode = parseSslMode(raw);
  if (mode === null) {
    throw new UsageError(
      `${what}: ssl-mode: expected one of DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY, got ${JSON.stringify(raw)}`,
      { reason: 'bad-url' },
    );
  }
  return mode;
}

/**
 * As the mysql client: a socket is used for the host `localhost` only; an option file's
 * `socket` is ignored for any other host, a URL's is a mistake.
 */
function socketOf(
  fromUrl: string | undefined,
  files: ClientOptions,
  urlHost: string,
  host: string,
  what: string,
): string | null {
  const local = host.toLowerCase() === 'localhost';
  if (fromUrl !== undefined) {
    if (!local) {
      throw new UsageError(
        `${what}: ?socket= connects on this host, so the host must be localhost (got ${urlHost})`,
        { reason: 'bad-url' },
      );
    }
    return fromUrl;
  }
  return local ? (files.socket ?? null) : null;
}

function passwordOf(
  url: URL,
  files: ClientOptions,
  env: NodeJS.ProcessEnv,
): { password: string | undefined; from: PasswordSource } {
  if (url.password) return { password: decodeURIComponent(url.password), from: 'url' };
  if (files.password !== undefined) return { password: files.password, from: 'option-file' };
  if (files.askPass === true) return { password: undefined, from: 'ask' };
  if (env.MYSQL_PWD) return { password: env.MYSQL_PWD, from: 'MYSQL_PWD' };
  return { password: undefined, from: 'none' };
}

/** A target like `base` but for another schema on the same server, with the same credentials. */
export function withSchema(base: DbTarget, schema: string): DbTarget {
  return makeTarget({ ...base, schema }, base.password);
}

/** A target like `t` with a password typed at the prompt. */
export function withPassword(t: DbTarget, password: string): DbTarget {
  return makeTarget({ ...t, passwordFrom: 'prompt' }, password);
}

/** What `t` says, as options below a URL (no password): to layer a plan's endpoint under a flag. */
export function targetOptions(t: DbTarget): ClientOptions {
  return clientOptions(
    {
      user: t.user,
      host: t.host,
      port: t.port,
      ...(t.socket !== null ? { socket: t.socket } : {}),
      sslMode: t.tls.mode,
      ...(t.tls.ca !== null ? { sslCa: t.tls.ca } : {}),
      ...(t.tls.cert !== null ? { sslCert: t.tls.cert } : {}),
      ...(t.tls.key !== null ? { sslKey: t.tls.key } : {}),
    },
    undefined,
  );
}

function makeTarget(fields: Omit<DbTarget, 'password'>, password: string | undefined): DbTarget {
  const t: DbTarget = { ...fields, tls: Object.freeze({ ...fields.tls }), password };
  // kept, but out of every log and JSON (frozen below: neither writable nor configurable)
  Object.defineProperty(t, 'password', { enumerable: false });
  return Object.freeze(t);
}

/**
 * The URL with no secret, which parses back to the same endpoint: safe for logs, plans and
 * reports. TLS settings appear when they are not the default; paths, never file contents.
 */
export function describeTarget(t: DbTarget): string {
  const query: string[] = [];
  if (t.socket !== null) query.push(`socket=${queryValue(t.socket)}`);
  const tlsDefault = t.tls.mode === DEFAULT_SSL_MODE && t.tls.ca === null;
  if (!tlsDefault) query.push(`ssl-mode=${t.tls.mode}`);
  if (t.tls.ca !== null) query.push(`ssl-ca=${queryValue(t.tls.ca)}`);
  if (t.tls.cert !== null) query.push(`ssl-cert=${queryValue(t.tls.cert)}`);
  if (t.tls.key !== null) query.push(`ssl-key=${queryValue(t.tls.key)}`);
  const where = t.socket !== null ? 'localhost' : `${hostText(t.host)}:${t.port}`;
  const q = query.length > 0 ? `?${query.join('&')}` : '';
  return `mysql://${encodeURIComponent(t.user)}@${where}/${encodeURIComponent(t.schema)}${q}`;
}

/** `user@host:port` or `user@localhost (socket PATH)`: a login, for prompts. */
export function describeLogin(t: DbTarget): string {
  const where =
    t.socket !== null ? `localhost (socket ${t.socket})` : `${hostText(t.host)}:${t.port}`;
  return `${t.user}@${where}`;
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Paths stay readable (`/` and `:` kept); what a query would misread is escaped. */
function queryValue(v: string): string {
  return encodeURIComponent(v).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/** Whether two targets reach the same server by the same way (socket, or host and port). */
export function sameAddress(a: DbTarget, b: DbTarget): boolean {
  if (a.socket !== null || b.socket !== null) return a.socket === b.socket;
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

/** Whether two targets are on the same server (so one session can read both schemas). */
export function sameServer(a: DbTarget, b: DbTarget): boolean {
  return sameAddress(a, b) && a.user === b.user;
}

/** Masks a password in a URL-like string that failed to parse, for an error message. */
function redactRawUrl(raw: string): string {
  return maskPasswords(raw);
}
