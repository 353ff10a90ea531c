import type { Logger } from 'pino';
import { clientTimeoutMs, type SessionLimits } from './session-limits.js';

/**
 * A watch over one statement on one connection: says once on stderr when the server has kept
 * us waiting a few seconds, and gives up on it (`onNoAnswer`) when no answer came within the
 * client's limit. A stream's rows reset both clocks: a long stream that keeps flowing is not
 * a stall. Nothing here touches the driver.
 */
export interface StatementWatch {
  /** an answer (a row) arrived */
  touch(): void;
  /** the statement ended, one way or another */
  done(): void;
}

export interface WatchInput {
  readonly limits: SessionLimits;
  readonly logger: Logger | undefined;
  /** the server, without secrets */
  readonly where: string;
  /** the statement's kind, e.g. `SELECT` */
  readonly statement: string;
  /** called once when the client's limit passes with no answer */
  readonly onNoAnswer: (seconds: number) => void;
}

export function watchStatement(w: WatchInput): StatementWatch {
  const limitMs = clientTimeoutMs(w.limits);
  const t0 = performance.now();
  // Rows only bump a counter (a stream may bring millions); a timer that fires after rows came
  // since it was set is set again instead of firing.
  let answers = 0;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fire: () => void): void => {
    let seen = answers;
    const t = setInterval(() => {
      if (answers !== seen) seen = answers;
      else fire();
    }, ms);
    t.unref();
    timers.push(t);
  };
  const done = (): void => {
    for (const t of timers.splice(0)) clearInterval(t);
  };
  if (w.logger && w.limits.noticeMs > 0) {
    let said = false;
    every(w.limits.noticeMs, () => {
      if (said) return;
      said = true;
      const secs = Math.round((performance.now() - t0) / 1000);
      const giveUp = w.limits.queryTimeoutSeconds;
      // warn: a wait is said on stderr even at --log-level warn (terminal or not).
      w.logger?.warn(
        { event: 'db.waiting', server: w.where, statement: w.statement, seconds: secs },
        `waiting on ${w.where}: a ${w.statement} has had no answer for ${secs}s${giveUp > 0 ? ` (gives up after ${giveUp}s, --query-timeout)` : ''}`,
      );
    });
  }
  if (limitMs !== null) {
    every(limitMs, () => {
      done();
      w.onNoAnswer(Math.round(limitMs / 1000));
    });
  }
  return {
    touch() {
      answers++;
    },
    done,
  };
}

/** The statement's kind for a message: its first word (`START TRANSACTION` in full). */
export function statementKind(sql: string): string {
  const words = sql.trimStart().split(/\s+/, 2);
  const first = (words[0] ?? '').toUpperCase();
  return first === 'START' ? 'START TRANSACTION' : first || 'statement';
}
