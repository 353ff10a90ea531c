import type { DbTarget, PasswordSource } from './url.js';

/**
 * One-line explanations of the ways a connection fails because of how it was asked for: TLS,
 * a socket, where the password came from. The caller prefixes the target (without secrets).
 */

/** What the user must change when a server refuses a plain connection. */
export const TLS_REQUIRED =
  'the server requires TLS: add ?ssl-mode=REQUIRED (or ?ssl-mode=VERIFY_CA&ssl-ca=FILE to check its certificate)';

/** What a driver error says: each field a string, or absent. */
export interface DriverErrorShape {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly sqlMessage: string | undefined;
  readonly errno: number | undefined;
}

/** The text fields of a driver error, read one by one: a field that is no string is absent. */
export function driverErrorFields(e: unknown): DriverErrorShape {
  const text = (field: string): string | undefined => {
    if (typeof e !== 'object' || e === null) return undefined;
    const v: unknown = Reflect.get(e, field);
    return typeof v === 'string' ? v : undefined;
  };
  const errno: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'errno') : undefined;
  return {
    code: text('code'),
    message: text('message'),
    sqlMessage: text('sqlMessage'),
    errno: typeof errno === 'number' ? errno : undefined,
  };
}

const SOURCE_TEXT: Readonly<Record<PasswordSource, string | null>> = {
  url: 'the password came from the URL',
  'option-file': 'the password came from an option file',
  MYSQL_PWD: 'the password came from MYSQL_PWD',
  prompt: 'the password was typed at the prompt',
  ask: null,
  none: 'no password was given (an option file, --ask-pass or MYSQL_PWD can give one)',
};

/** The explanation, or null when the error is not one of these. */
export function explainConnectError(e: unknown, t: DbTarget): string | null {
  const err = driverErrorFields(e);
  const message = err.message ?? '';
  switch (err.code) {
    case 'ER_SECURE_TRANSPORT_REQUIRED':
      return TLS_REQUIRED;
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return `the server does not offer TLS, and ssl-mode=${t.tls.mode} requires it: enable TLS on the server, or connect with ?ssl-mode=PREFERRED`;
    case 'HANDSHAKE_SSL_ERROR':
      return tlsFailure(message, t);
    case 'ER_ACCESS_DENIED_ERROR': {
      const source = SOURCE_TEXT[t.passwordFrom];
      return source === null ? null : `${err.sqlMessage ?? message}; ${source}`;
    }
    default:
      return t.socket === null ? null : socketFailure(err.code, t.socket);
  }
}

function tlsFailure(message: string, t: DbTarget): string {
  if (/altnames|does not match/i.test(message)) {
    return `the server's certificate is not for ${t.host} (ssl-mode=VERIFY_IDENTITY): ${message}`;
  }
  if (/certificate|self.signed|issuer|unable to (get|verify)/i.test(message)) {
    const against =
      t.tls.ca !== null
        ? `ssl-ca ${t.tls.ca}`
        : "Node's bundled public CAs (give the server's CA with ?ssl-ca=FILE)";
    return `the server's certificate does not verify against ${against}: ${message}`;
  }
  return `the TLS handshake failed: ${message}`;
}

function socketFailure(code: string | undefined, socket: string): string | null {
  switch (code) {
    case 'ENOENT':
      return `the socket ${socket} does not exist (is the server on this host? SELECT @@socket names its socket)`;
    case 'EACCES':
      return `the socket ${socket} cannot be opened by this user (permission denied)`;
    case 'ECONNREFUSED':
      return `nothing listens on the socket ${socket} (is the server running?)`;
    case 'ENOTSOCK':
      return `${socket} is not a socket`;
    default:
      return null;
  }
}
