import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { type LiveStream, liveRegion } from './live-region.js';
import { maskPasswords } from './secrets.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths redacted whatever a caller logs: connection targets keep their password non-enumerable,
 * but a password must not leak even from an object built by hand.
 */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'pwd',
  '*.pwd',
  'MYSQL_PWD',
  '*.MYSQL_PWD',
  '*.*.MYSQL_PWD',
];

/** `//user:secret@` (or `//user:secret` without a host) in any URL-like text → `//user:***@`. */
export const scrubUrlPasswords = maskPasswords;

/** Deep copy of a log object with every string scrubbed (errors keep their type and stack). */
function scrub(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubUrlPasswords(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) {
    // Same class and own fields (code, errno, cause), message and stack scrubbed.
    const e: Error = Object.create(Object.getPrototypeOf(v));
    for (const k of Object.getOwnPropertyNames(v))
      Reflect.set(e, k, scrub(Reflect.get(v, k), depth + 1));
    return e;
  }
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrub(x, depth + 1);
  return out;
}

export interface LoggerOptions {
  /** readable lines instead of JSON; default: when the destination is a terminal */
  readonly pretty?: boolean;
  /** default: stderr (stdout belongs to --json) */
  readonly destination?: LiveStream;
}

/**
 * Logs go to stderr: readable on a TTY (written above any progress lines), JSON lines
 * otherwise. Passwords are redacted by path, and scrubbed from any URL in any string.
 * Structured events carry an `event` field: `{event: 'chunk.hashed', table, rows, ms}`.
 */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const dest: LiveStream = options.destination ?? process.stderr;
  const usePretty = options.pretty ?? dest.isTTY === true;
  const config: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: { paths: REDACT, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrubUrlPasswords(a) : a)) as typeof args,
        );
      },
    },
  };
  if (usePretty) {
    const pretty = prettyFactory({
      colorize: dest.isTTY === true,
      ignore: 'event',
      translateTime: 'HH:MM:ss',
      singleLine: true,
    });
    // Synchronous: a line logged just before the process exits is not lost.
    const region = liveRegion(dest);
    return pino(config, { write: (line: string) => region.writeAbove(pretty(line)) });
  }
  if (options.destination) {
    return pino(config, { write: (line: string) => dest.write(line) });
  }
  return pino(config, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (for tests and library callers that pass none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
