import { QueryError } from '../db/mysql.js';
import { sessionLimits } from '../db/session-limits.js';
import type { Session } from '../db/types.js';
import { FaultError } from '../faults.js';
import type { Statement } from './measure-sql.js';

/**
 * A table's time budget: every measurement of the table runs with the server's own statement
 * time limit set to what is left of it, so a slow table costs at most its budget and a proposal
 * that could not be measured in time is written commented out, saying so.
 */
export class TimeBudget {
  private readonly deadline: number;

  constructor(readonly seconds: number) {
    this.deadline = performance.now() + seconds * 1000;
  }

  get remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }
}

export type Bounded<T> =
  | { readonly ok: true; readonly rows: T[] }
  | { readonly ok: false; readonly reason: string };

/** Server error numbers of a statement stopped by its time limit (MariaDB, MySQL). */
const TIMEOUT_ERRNOS = new Set([1969, 3024]);
/** Below this, a statement is not worth starting. */
const MIN_STATEMENT_MS = 50;

/**
 * Runs a SELECT under the server's statement time limit: `SET STATEMENT max_statement_time`
 * on MariaDB, the `MAX_EXECUTION_TIME` hint on MySQL, set to what is left of the table's
 * budget, or to `--query-timeout` when that is shorter (the client gives up on a statement
 * soon after it: the server must end it first). A timeout or a refusal (a collation that
 * cannot compare, say) is a result, not an error: the caller writes it as evidence. A lost
 * connection or denied access is still thrown.
 */
export async function boundedQuery<T extends object>(
  s: Session,
  budget: TimeBudget,
  st: Statement,
): Promise<Bounded<T>> {
  const left = Math.floor(budget.remainingMs);
  if (left < MIN_STATEMENT_MS) return { ok: false, reason: spentReason(budget) };
  const timeoutSeconds = sessionLimits().queryTimeoutSeconds;
  const byTimeout = timeoutSeconds > 0 && timeoutSeconds * 1000 < left;
  const ms = byTimeout ? timeoutSeconds * 1000 : left;
  const stopped = byTimeout ? timeoutReason(timeoutSeconds) : spentReason(budget);
  const sql =
    s.server.flavor === 'mariadb'
      ? `SET STATEMENT max_statement_time = ${(ms / 1000).toFixed(3)} FOR ${st.sql}`
      : st.sql.replace(/^SELECT\b/, `SELECT /*+ MAX_EXECUTION_TIME(${ms}) */`);
  try {
    return { ok: true, rows: await s.query<T>(sql, st.params) };
  } catch (e) {
    // The server's own time limit: db/ reports it as a fault (faults.ts), by its code.
    if (e instanceof FaultError && e.fault.reason === 'timeout' && !e.fault.connectionLost) {
      return { ok: false, reason: stopped };
    }
    if (!(e instanceof QueryError)) throw e;
    if (e.errno !== undefined && TIMEOUT_ERRNOS.has(e.errno)) {
      return { ok: false, reason: stopped };
    }
    return {
      ok: false,
      reason: `not measured: the server refused the query (${e.message.replace(/ \[in: [\s\S]*$/, '')})`,
    };
  }
}

function spentReason(budget: TimeBudget): string {
  return `not measured: the table's time budget (${budget.seconds} s) ran out`;
}

function timeoutReason(seconds: number): string {
  return `not measured: a statement ran past --query-timeout (${seconds} s)`;
}
