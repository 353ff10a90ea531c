/** The flags of `npm run bench:scale`, checked before anything starts. */
import { parseArgs } from 'node:util';
import { type DbTarget, parseDbUrl } from '../src/db/url.js';

export const CASES = ['diff', 'resume', 'plan', 'apply', 'local', 'demo'] as const;
export type CaseName = (typeof CASES)[number];

export interface ScaleOptions {
  readonly rows: number;
  /** the interim (and target) server, schema `information_schema` */
  readonly server: DbTarget;
  readonly cases: ReadonlySet<CaseName>;
  readonly repeat: number;
  readonly keep: boolean;
  readonly demoRows: number;
  /** `apply --parallel`: tables written at once */
  readonly parallel: number;
}

export function scaleOptions(argv: readonly string[]): ScaleOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '10000000' },
      url: { type: 'string', default: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' },
      cases: { type: 'string', default: CASES.join(',') },
      repeat: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      'demo-rows': { type: 'string', default: '200000' },
      parallel: { type: 'string', default: '2' },
    },
  });
  const rows = Number(values.rows);
  if (!Number.isSafeInteger(rows) || rows < 1000) {
    throw new Error(`--rows: expected an integer of at least 1000, got ${values.rows}`);
  }
  const repeat = Number(values.repeat);
  if (!Number.isSafeInteger(repeat) || repeat < 1) {
    throw new Error(`--repeat: expected a positive integer, got ${values.repeat}`);
  }
  const parallel = Number(values.parallel);
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > 16) {
    throw new Error(`--parallel: expected an integer from 1 to 16, got ${values.parallel}`);
  }
  const cases = new Set<CaseName>();
  for (const name of values.cases.split(',').map((s) => s.trim())) {
    const known = CASES.find((c) => c === name);
    if (!known)
      throw new Error(`--cases: unknown case ${JSON.stringify(name)} (${CASES.join(', ')})`);
    cases.add(known);
  }
  // The server only: a schema in --url would be ignored, so it is replaced, not refused.
  const base = values.url.replace(/\/[^/@]*$/, '');
  return {
    rows,
    server: parseDbUrl(`${base}/information_schema`, '--url'),
    cases,
    repeat,
    keep: values.keep,
    demoRows: Number(values['demo-rows']),
    parallel,
  };
}
