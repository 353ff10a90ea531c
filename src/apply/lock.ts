import type { Connection } from '../db/types.js';
import { PreconditionError } from '../errors.js';
import { sha256 } from '../plan/plan-files.js';

/**
 * One writer per target schema: apply, rollback and an in-place rehearsal hold a named lock
 * (GET_LOCK) on their connection. The server releases it when that connection ends, however it
 * ends: a killed process cannot leave it held. A connection that died a moment ago may still
 * hold it while the server rolls its transaction back, hence a short wait before refusing.
 */
export function lockName(schema: string): string {
  const plain = `reconcile:${schema}`;
  // Lock names are limited to 64 characters.
  return plain.length <= 64 ? plain : `reconcile:${sha256(schema).slice(0, 40)}`;
}

export const LOCK_WAIT_SECONDS = 3;

export async function acquireLock(
  c: Connection,
  schema: string,
  where: string,
  waitSeconds = LOCK_WAIT_SECONDS,
): Promise<void> {
  const name = lockName(schema);
  const rows = await c.query<{ got: number | string | null }>('SELECT GET_LOCK(?, ?) AS got', [
    name,
    waitSeconds,
  ]);
  if (Number(rows[0]?.got) === 1) return;
  throw new PreconditionError(
    `another reconcile run holds the lock on ${where} (${await describeHolder(c, name)}); wait for it to finish or stop it`,
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
): Promise<void> {
  if (execute) {
    await acquireLock(c, schema, where);
    return;
  }
  const holder = await lockHolder(c, schema);
  if (holder)
    throw new PreconditionError(`another reconcile run holds the lock on ${where} (${holder})`);
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
  return describeHolder(c, name);
}

async function describeHolder(c: Connection, name: string): Promise<string> {
  const rows = await c.query<{ id: number | string | null }>('SELECT IS_USED_LOCK(?) AS id', [
    name,
  ]);
  const id = rows[0]?.id;
  if (id === null || id === undefined) return `lock ${name}`;
  const who = await c
    .query<{ user: string; host: string; time: number | string }>(
      'SELECT USER AS user, HOST AS host, TIME AS time FROM information_schema.PROCESSLIST WHERE ID = ?',
      [id],
    )
    .catch(() => []);
  const p = who[0];
  return p
    ? `lock ${name} held by connection ${id}, ${p.user}@${p.host}, for ${p.time}s`
    : `lock ${name} held by connection ${id}`;
}
