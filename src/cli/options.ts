import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_LOCK_WAIT_SECONDS } from '../apply/lock.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';

/** Option parsers: bad values become commander errors, reported as usage errors (exit 2). */

export function positiveInt(max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(
        `expected an integer from 1 to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
}

export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0) || n > 3600) {
    throw new InvalidArgumentError(
      `expected a number of seconds above 0, up to 3600, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

export function nonNegativeInt(max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > max) {
      throw new InvalidArgumentError(
        `expected an integer from 0 to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    const value = values.find((v) => v === raw);
    if (value === undefined) {
      throw new InvalidArgumentError(
        `expected one of ${values.join('|')}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
}

export const logLevel = oneOf<LogLevel>(LOG_LEVELS);

/** `a,b,c` → ['a','b','c'] (empty entries dropped). */
export function tableList(raw: string): string[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0)
    throw new InvalidArgumentError('expected a comma-separated list of tables');
  return list;
}

export const DEFAULT_CONCURRENCY = 4;

/** `--lock-wait`: the commands that take the target's lock. */
export function lockWaitOption(cmd: Command): Command {
  return cmd.option(
    '--lock-wait <seconds>',
    'how long to wait for the lock another run holds (one killed a moment ago may hold it until the server notices) before refusing',
    nonNegativeInt(86_400),
    DEFAULT_LOCK_WAIT_SECONDS,
  );
}
