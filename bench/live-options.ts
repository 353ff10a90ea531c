/** The flags of `npm run bench:live`, checked before anything starts. */
import { parseArgs } from 'node:util';
import { type DbTarget, parseDbUrl } from '../src/db/url.js';

export interface LiveOptions {
  /** backup rows in all (about three quarters of them are restored) */
  readonly rows: number;
  /** interim sign-ups whose ids the backup also holds: the rows the plan remaps */
  readonly remapped: number;
  /** the generator's writes per second, and its connections */
  readonly rate: number;
  readonly connections: number;
  readonly seed: number;
  /** the live applies' --batch-seconds (null: the CLI's default) */
  readonly batchSeconds: string | null;
  /** the server of every schema, schema `information_schema` */
  readonly server: DbTarget;
  readonly keep: boolean;
}

function positive(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new Error(`--${name}: expected an integer of at least ${min}, got ${text}`);
  }
  return n;
}

export function liveOptions(argv: readonly string[]): LiveOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '400000' },
      remapped: { type: 'string', default: '5000' },
      rate: { type: 'string', default: '200' },
      connections: { type: 'string', default: '16' },
      seed: { type: 'string', default: '1' },
      url: { type: 'string', default: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' },
      keep: { type: 'boolean', default: false },
      'batch-seconds': { type: 'string' },
    },
  });
  // The server only: a schema in --url would be ignored, so it is replaced, not refused.
  const base = values.url.replace(/\/[^/@]*$/, '');
  return {
    rows: positive('rows', values.rows, 1000),
    remapped: positive('remapped', values.remapped),
    rate: positive('rate', values.rate),
    connections: positive('connections', values.connections),
    seed: positive('seed', values.seed, 0),
    server: parseDbUrl(`${base}/information_schema`, '--url'),
    keep: values.keep,
    batchSeconds: values['batch-seconds'] ?? null,
  };
}
