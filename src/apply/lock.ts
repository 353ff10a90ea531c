import type { Logger } from 'pino';
import type { Connection } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { sha256 } from '../plan/plan-files.js';

/**
 * One writer per target schema: apply, rollback and an in-place rehearsal hold a named lock
 * (GET_LOCK) on their connection. The server releases it when that connection ends, however it
 * ends: a killed process cannot leave it held for long. A connection that died a moment ago may
 * still hold it until the server notices, hence a bounded wait before refusing.
 */
export function lockName(schema: string): string {
  const plain = `reconcile:${schema}`;
  // Lock names are limited to 64 characters.
  return plain.length <= 64 ? plain : `reconcile:${sha256(schema).slice(0, 40)}`;
}

/** How long a run waits for another's lock by default (--lock-wait). */
export const DEFAULT_LOCK_WAIT_SECONDS = 30;
/** Each GET_LOCK waits at most this long: well under any statement limit. */
const POLL_SECONDS = 5;

export interface LockWait {
  /** how long to wait for a lock another connection holds before refusing */
  readonly seconds: number;
  readonly logger?: Logger | undefined;
}

/**
 * Takes the lock, waiting up to `wait.seconds` for its holder: a run killed a moment ago may
 * still hold it until the server notices its connection is gone and rolls its transaction
 * back. While waiting, says once who holds it and what it is running; then refuses with the
 * holder (reason `lock-held`).
 */
export async function acquireLock(
  c: Connection,
  schema: string,
  where: string,
  wait: LockWait = { seconds: DEFAULT_LOCK_WAIT_SECONDS },
): Promise<void> {
  const name = lockName(schema);
  const deadline = performance.now() + wait.seconds * 1000;
  for (let first = true; ; first = false) {
    const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
    const rows = await c.query<{ got: number | string | null }>('SELECT GET_LOCK(?, ?) AS got', [
      name,
      first ? 0 : Math.min(POLL_SECONDS, left),
    ]);
    if (Number(rows[0]?.got) === 1) return;
    if (left <= 0 || (!first && performance.now() >= deadline)) break;
    if (first) {
      const holder = await describeHolder(c, name, true);
      // warn: a wait is said on stderr even at --log-level warn (terminal or not).
      wait.logger?.warn(
        { event: 'lock.waiting', lock: name, seconds: wait.seconds },
        `waiting up to ${wait.seconds}s (--lock-wait) for the lock on ${where}: ${holder}`,
      );
    }
  }
  throw new PreconditionError(
    'lock-held',
    `another reconcile run holds the lock on ${where} (${await describeHolder(c, name, false)}); wait for it to finish or stop it`,
  );
}

/**
 * A run that writes (`execute`) takes the lock; a dry run only checks nobody else holds it, so
 * it can say up front that the real run would be refused.
 */
export async function takeOrCheckLock(
  c: Connection,
  schema: string,
  where: string,
  execute: boolean,
  wait?: LockWait,
): Promise<void> {
  if (execute) {
    await acquireLock(c, schema, where, wait);
    return;
  }
  const holder = await lockHolder(c, schema);
  if (holder) {
    throw new PreconditionError(
      'lock-held',
      `another reconcile run holds the lock on ${where} (${holder})`,
    );
  }
}

export async function releaseLock(c: Connection, schema: string): Promise<void> {
  await c.query('SELECT RELEASE_LOCK(?)', [lockName(schema)]);
}

/** Who holds the lock right now, if anyone (for dry runs, which do not take it). */
export async function lockHolder(c: Connection, schema: string): Promise<string | null> {
  const name = lockName(schema);
  const rows = await c.query<{ id: number | string | null }>('SELECT IS_USED_LOCK(?) AS id', [
    name,
  ]);
  const id = rows[0]?.id;
  if (id === null || id === undefined || Number(id) === c.threadId) return null;
  return describeHolder(c, name, false);
}

/** "lock … held by connection 100, dba@host, for 3s" and, with `doing`, what it runs now. */
async function describeHolder(c: Connection, name: string, doing: boolean): Promise<string> {
  const rows = await c.query<{ id: number | string | null }>('SELECT IS_USED_LOCK(?) AS id', [
    name,
  ]);
  const id = rows[0]?.id;
  if (id === null || id === undefined) return `lock ${name}`;
  const who = await c
    .query<{
      user: string;
      host: string;
      time: number | string;
      command: string | null;
      state: string | null;
      info: string | null;
    }>(
      'SELECT USER AS user, HOST AS host, TIME AS time, COMMAND AS command, STATE AS state, INFO AS info FROM information_schema.PROCESSLIST WHERE ID = ?',
      [id],
    )
    .catch(() => []);
  const p = who[0];
  if (!p) return `lock ${name} held by connection ${id}`;
  const held = `lock ${name} held by connection ${id}, ${p.user}@${p.host}, for ${p.time}s`;
  if (!doing) return held;
  const running = p.info
    ? `running ${JSON.stringify(p.info.replace(/\s+/g, ' ').slice(0, 120))}`
    : `idle (${p.command ?? 'Sleep'})`;
  return `${held}, ${running}${p.state ? `, state ${JSON.stringify(p.state)}` : ''}`;
}
