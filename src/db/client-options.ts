import type { SslMode } from './tls.js';

/**
 * Connection settings that sit below a URL, as the mysql client layers them: what the URL says
 * wins, then these (an option file's `[client]` group, or the endpoint a plan recorded), then
 * `MYSQL_PWD`. The password is non-enumerable, as in DbTarget: it reaches no log or JSON.
 */
export interface ClientOptions {
  readonly user?: string;
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly sslMode?: SslMode;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly password?: string;
  /** `password` with no value in an option file: ask for it on the terminal, as the client does */
  readonly askPass?: boolean;
}

export const NO_CLIENT_OPTIONS: ClientOptions = Object.freeze({});

/** Options with `password` stored non-enumerable. */
export function clientOptions(
  fields: Omit<ClientOptions, 'password'>,
  password: string | undefined,
): ClientOptions {
  const o = { ...fields };
  if (password !== undefined) {
    Object.defineProperty(o, 'password', { value: password, enumerable: false });
  }
  return Object.freeze(o);
}

/** `upper` over `lower`, key by key (the password too). */
export function overlayOptions(lower: ClientOptions, upper: ClientOptions): ClientOptions {
  const fields: Record<string, unknown> = {};
  for (const o of [lower, upper]) {
    for (const [k, v] of Object.entries(o)) if (v !== undefined) fields[k] = v;
  }
  return clientOptions(fields, upper.password ?? lower.password);
}
