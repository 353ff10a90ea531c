import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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
];

/**
 * Logs go to stderr (stdout belongs to --json): readable on a TTY, JSON lines otherwise.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  const base = {
    level,
    base: undefined,
    redact: { paths: REDACT, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (usePretty) {
    return pino(
      base,
      pretty({
        destination: 2,
        sync: true,
        colorize: true,
        ignore: 'event',
        translateTime: 'HH:MM:ss',
      }),
    );
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (for tests and library callers that pass none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
