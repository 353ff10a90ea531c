import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { errnoCode } from '../errno.js';
import { UsageError } from '../errors.js';

/**
 * TLS as the mysql client names it (`--ssl-mode`, `--ssl-ca`, `--ssl-cert`, `--ssl-key`), turned
 * into the driver's `ssl` option. Settings hold file paths only: the files are read when a
 * connection opens, and their contents never leave this module except to the driver.
 */

export const SSL_MODES = [
  'DISABLED',
  'PREFERRED',
  'REQUIRED',
  'VERIFY_CA',
  'VERIFY_IDENTITY',
] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface TlsSettings {
  readonly mode: SslMode;
  /** PEM file of the CA(s) the server's certificate must chain to (VERIFY_*, REQUIRED) */
  readonly ca: string | null;
  /** client certificate and its key, for servers that require X509 */
  readonly cert: string | null;
  readonly key: string | null;
}

/** The mysql client's default: TLS when the server offers it, unverified, else plain. */
export const DEFAULT_SSL_MODE: SslMode = 'PREFERRED';

/** `required`, `VERIFY_CA`… → the mode (the client takes any case); null when not a mode. */
export function parseSslMode(raw: string): SslMode | null {
  const up = raw.trim().toUpperCase();
  return SSL_MODES.find((m) => m === up) ?? null;
}

/** The driver's `ssl` option, in the driver's own shape (mysql2 `SslOptions`). */
export interface DriverSsl {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  verifyIdentity: boolean;
}

/** How to open one connection: the `ssl` option, and whether a plain retry is allowed. */
export interface TlsAttempt {
  readonly ssl: DriverSsl | undefined;
  /** PREFERRED: a server that does not offer TLS gets a plain connection instead */
  readonly fallbackToPlain: boolean;
}

export interface TlsEndpoint {
  readonly host: string;
  readonly socket: string | null;
  readonly tls: TlsSettings;
}

/**
 * What the mode means for one connection:
 * - DISABLED: plain.
 * - PREFERRED: over TCP, TLS when the server offers it, plain when it does not; over a Unix
 *   socket, plain (as the mysql client: the socket never leaves the host).
 * - REQUIRED: TLS or fail.
 * PREFERRED and REQUIRED check the certificate only when an `ssl-ca` is given: a CA the user
 * names is never ignored.
 * - VERIFY_CA: TLS, the chain checked against `ssl-ca` (or Node's bundled public roots).
 * - VERIFY_IDENTITY: VERIFY_CA, and the certificate must name the host.
 * Throws a UsageError (exit 2) for a file that cannot be read or is not PEM.
 */
export function tlsAttempt(t: TlsEndpoint, where: string): TlsAttempt {
  const { mode } = t.tls;
  if (mode === 'DISABLED' || (mode === 'PREFERRED' && t.socket !== null)) {
    return { ssl: undefined, fallbackToPlain: false };
  }
  const files = readTlsFiles(t.tls, where);
  const verify = mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY' || files.ca !== undefined;
  const problem = tlsProblem(t);
  if (problem !== null) throw new UsageError(`${where}: ${problem}`);
  return {
    ssl: {
      ...files,
      rejectUnauthorized: verify,
      verifyIdentity: mode === 'VERIFY_IDENTITY',
    },
    fallbackToPlain: mode === 'PREFERRED',
  };
}

/** What these settings cannot do, said before anything connects; null when they are sound. */
export function tlsProblem(t: TlsEndpoint): string | null {
  if (t.tls.mode === 'VERIFY_IDENTITY' && t.socket === null && isIP(t.host) !== 0) {
    // mysql2 checks the name "localhost" when the host is an IP address (it passes no
    // servername), so an IP could never be verified: refuse rather than pretend.
    return `ssl-mode=VERIFY_IDENTITY checks the server's certificate against the host name, and cannot check an IP address (${t.host}): connect by the name the certificate holds, or use ssl-mode=VERIFY_CA`;
  }
  if ((t.tls.cert === null) !== (t.tls.key === null)) {
    return `ssl-cert and ssl-key go together (got only ${t.tls.cert === null ? 'ssl-key' : 'ssl-cert'})`;
  }
  return null;
}

function readTlsFiles(
  tls: TlsSettings,
  where: string,
): { ca?: string; cert?: string; key?: string } {
  const out: { ca?: string; cert?: string; key?: string } = {};
  if (tls.ca !== null) out.ca = readPem('ssl-ca', tls.ca, where);
  if (tls.cert !== null) out.cert = readPem('ssl-cert', tls.cert, where);
  if (tls.key !== null) out.key = readPem('ssl-key', tls.key, where);
  // Parsed now: a CA file holding no certificate would otherwise be taken as an empty list,
  // and a bad key would fail inside the driver's handshake instead of as one line.
  loads('ssl-ca', out.ca, (pem) => new X509Certificate(pem), where);
  loads('ssl-cert', out.cert, (pem) => new X509Certificate(pem), where);
  loads('ssl-key', out.key, (pem) => createPrivateKey(pem), where);
  loads('ssl-cert and ssl-key', out.cert, () => createSecureContext(out), where);
  return out;
}

function loads(
  option: string,
  pem: string | undefined,
  parse: (pem: string) => unknown,
  where: string,
) {
  if (pem === undefined) return;
  try {
    parse(pem);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new UsageError(
      `${where}: ${option} does not load (${detail}): ssl-ca and ssl-cert must be PEM certificates, ssl-key the unencrypted PEM key of ssl-cert`,
    );
  }
}

function readPem(option: string, path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e) ?? String(e);
    throw new UsageError(`${where}: cannot read ${option} ${path} (${code})`);
  }
}
