/**
 * How a statement gets its values. Every builder in sql/ takes a Binder, so `apply`
 * (placeholders: the driver sends the parameters) and `plan.sql` (literals a person reads and
 * the mysql client runs) are built by the same code, value for value: whatever one compares or
 * stores, so does the other.
 */
import type { SqlParam } from '../db/types.js';
import { quoteText } from './literal.js';

export interface Binder {
  /** text: a string parameter, or a quoted literal */
  text(s: string): string;
  /** bytes: a Buffer parameter, or X'…' */
  bytes(b: Buffer): string;
  /** an integer: a bare literal either way (the driver writes a bigint parameter as one) */
  integer(i: bigint): string;
  /** exact decimal text to store: a string parameter, or a bare number in plan.sql */
  decimal(s: string): string;
  /** the parameters recorded so far, in the order their placeholders appear */
  readonly params: readonly SqlParam[];
}

/** A statement and its parameters ([] when its values are literals). */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** Placeholders: each value becomes `?` and its parameter is recorded, in text order. */
export function placeholders(): Binder {
  const params: SqlParam[] = [];
  const push = (v: SqlParam): string => {
    params.push(v);
    return '?';
  };
  return { text: push, bytes: push, integer: push, decimal: push, params };
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Literals, as plan.sql writes them (see literal.ts): no parameters. */
export const LITERALS: Binder = Object.freeze({
  text: quoteText,
  bytes: (b: Buffer) => `X'${b.toString('hex').toUpperCase()}'`,
  integer: (i: bigint) => i.toString(),
  decimal: (s: string) => (DECIMAL.test(s) ? s : quoteText(s)),
  params: Object.freeze([]),
});

/** A statement from a builder's text and the binder it was built with. */
export function statement(sql: string, b: Binder): Statement {
  return { sql, params: b.params };
}
