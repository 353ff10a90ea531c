/**
 * The errors a watched statement ends with when reconcile, not the server, ends it: no answer
 * in time, a connection closed under it, a statement too large to send. Their codes are
 * reconcile's own (RECONCILE_*), classified in faults.ts like the server's.
 */
import { FaultError, faultOf } from '../faults.js';
import { statementKind } from './statement-watch.js';

/** The client gave up on a server that did not answer (code RECONCILE_NO_ANSWER). */
export class NoAnswerError extends Error {
  readonly code = 'RECONCILE_NO_ANSWER';
}

export function noAnswerError(seconds: number): Error {
  return new NoAnswerError(`no answer from the server within --query-timeout ${seconds}s`);
}

export function notSent(why: Error): Error {
  return Object.assign(new Error(`not sent: ${why.message}`, { cause: why }), {
    code: 'RECONCILE_NOT_SENT',
  });
}

export function closedError(message: string): Error {
  return Object.assign(new Error(message), { code: 'RECONCILE_CONNECTION_CLOSED' });
}

export function packetTooLarge(bytes: number, max: number, where: string, sql: string): FaultError {
  const fault = faultOf({ code: 'ER_NET_PACKET_TOO_LARGE' });
  if (!fault) throw new Error('faults.ts lost ER_NET_PACKET_TOO_LARGE');
  return new FaultError(
    { ...fault, connectionLost: false },
    {
      where,
      statement: statementKind(sql),
      what: `the server's max_allowed_packet (${mib(max)}) is smaller than a ${mib(bytes)} statement`,
      advice: `raise max_allowed_packet to at least ${mib(nextPow2(bytes))} (SET GLOBAL max_allowed_packet = ${nextPow2(bytes)}, and in the server's config)`,
    },
    null,
  );
}

export function mib(bytes: number): string {
  const m = bytes / (1 << 20);
  return m >= 10 ? `${Math.round(m)} MiB` : `${m.toFixed(1).replace(/\.0$/, '')} MiB`;
}

function nextPow2(n: number): number {
  let p = 1 << 20;
  while (p < n) p *= 2;
  return p;
}
