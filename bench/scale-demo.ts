/**
 * The demo case of `npm run bench:scale`: `npm run demo -- --rows N` as a user types it (npm
 * included, so the time is the one the user waits; GNU time's %M is then the largest peak of
 * npm and the demo's node), in schemas and a folder of the bench's own, and the time the README
 * promises for it.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dropSchema } from '../src/db/mysql.js';
import { type DbTarget, describeTarget, withSchema } from '../src/db/url.js';
import { runMeasured } from './measure.js';
import type { Cleanup } from './scale-cleanup.js';
import { type CommandFigure, childEnv, figure } from './scale-cli.js';
import { PREFIX } from './scale-schemas.js';

const README = resolve(import.meta.dirname, '../../../README.md');

/** "… `npm run demo -- --rows 200000` … takes under 3 minutes": the README's promise, seconds. */
export async function readmeDemoSeconds(rows: number): Promise<number | null> {
  const text = await readFile(README, 'utf8');
  const at = text.indexOf(`npm run demo -- --rows ${rows}\``);
  if (at < 0) return null;
  const m = /takes under (\d+(?:\.\d+)?) (minutes?|seconds?)/.exec(text.slice(at, at + 400));
  if (!m) return null;
  return Number(m[1]) * (m[2]?.startsWith('minute') ? 60 : 1);
}

export interface DemoFigure extends CommandFigure {
  readonly rows: number;
  readonly command: string;
  readonly readmeSeconds: number | null;
}

export async function demoCase(
  server: DbTarget,
  rows: number,
  dir: string,
  cleanup: Cleanup,
  keep: boolean,
): Promise<DemoFigure> {
  const prefix = `${PREFIX}_demo`;
  if (!keep) {
    for (const side of ['backup', 'interim']) {
      const t = withSchema(server, `${prefix}_${side}`);
      cleanup.add(`drop ${t.schema}`, () => dropSchema(t));
    }
  }
  const args = ['run', '--silent', 'demo', '--', '--rows', String(rows)];
  const own = ['--prefix', prefix, '--out', join(dir, 'demo')];
  const env = { ...childEnv(server.password), MYSQL_URL: describeTarget(server) };
  const run = await runMeasured('npm', [...args, ...own], env);
  if (run.code !== 0) {
    throw new Error(`npm run demo exited ${run.code}: ${run.stderr.slice(-2000)}`);
  }
  return {
    ...figure(run),
    rows,
    command: `npm ${args.join(' ')}`,
    readmeSeconds: await readmeDemoSeconds(rows),
  };
}
