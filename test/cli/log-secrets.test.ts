import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { parseDbUrl } from '../../src/db/url.js';
import { createLogger, scrubUrlPasswords } from '../../src/log.js';
import { runCli } from '../support/cli.js';
import { serverUrl, sql, TestSchemas, urlOf } from '../support/schemas.js';

const SECRET = 'Pa55-w0rd-xyzzy';

function capture() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

function logEverything(pretty: boolean): string {
  const out = capture();
  const log = createLogger('trace', { pretty, destination: out });
  const target = parseDbUrl(`mysql://dba:${SECRET}@db.example:3306/shop`, 'test');
  const url = `mysql://dba:${SECRET}@db.example:3306/shop`;
  log.info({ event: 'x', target, url, config: { backup: { password: SECRET } } }, `opening ${url}`);
  log.info({ env: { MYSQL_PWD: SECRET }, password: SECRET, list: [url] }, 'env');
  log.error({ err: new Error(`cannot reach ${url}`) }, 'failed');
  log.warn(`plain message with ${url}`);
  return out.lines.join('');
}

describe('logs never carry a password', () => {
  it('in JSON and in readable form, by field name and inside URLs', () => {
    for (const pretty of [false, true]) {
      const text = logEverything(pretty);
      expect(text, `pretty=${pretty}`).not.toContain(SECRET);
      expect(text).toContain('mysql://dba:***@db.example:3306/shop');
      expect(text).toContain('db.example');
    }
  });

  it('scrubs URL passwords and leaves other text alone', () => {
    expect(scrubUrlPasswords('mysql://u:p@h:1/s and mariadb://x:y%40z@h/s')).toBe(
      'mysql://u:***@h:1/s and mariadb://x:***@h/s',
    );
    expect(scrubUrlPasswords('mysql://u@h:1/s at 10:30 a@b')).toBe('mysql://u@h:1/s at 10:30 a@b');
  });

  it('not even when the CLI fails to log in with it, at --log-level trace', async () => {
    const host = serverUrl().replace(/^mysql:\/\/[^@]*@/, '');
    const bad = `mysql://nobody_here:${SECRET}@${host}/x`;
    const byUrl = await runCli(['diff', '--backup', bad, '--interim', bad, '--log-level', 'trace']);
    expect(byUrl.code).toBe(3);
    const byEnv = await runCli(
      [
        'diff',
        '--backup',
        `mysql://nobody_here@${host}/x`,
        '--interim',
        `mysql://nobody_here@${host}/x`,
        '--log-level',
        'trace',
      ],
      { env: { MYSQL_PWD: SECRET } },
    );
    expect(byEnv.code).toBe(3);
    for (const r of [byUrl, byEnv]) {
      expect(r.stderr).toMatch(/Access denied/);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });
});

describe('structured events', () => {
  const schemas = new TestSchemas();
  let a: DbTarget;
  let b: DbTarget;
  beforeAll(async () => {
    a = await schemas.create('ev_a');
    b = await schemas.create('ev_b');
    const ddl = 'CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1), (2, 2);';
    await sql(a, ddl);
    await sql(b, `${ddl} UPDATE t SET v = 3 WHERE id = 2;`);
  });
  afterAll(() => schemas.drop());

  it('are JSON lines on a non-TTY stderr, with event, table, rows and ms', async () => {
    const r = await runCli([
      'diff',
      '--backup',
      urlOf(a.schema),
      '--interim',
      urlOf(b.schema),
      '--log-level',
      'debug',
      '--method',
      'client',
    ]);
    expect(r.code).toBe(1);
    const events = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const chunk = events.find((e) => e.event === 'chunk.hashed');
    expect(chunk).toMatchObject({ event: 'chunk.hashed', table: 't', rows: 2 });
    expect(typeof chunk?.ms).toBe('number');
    expect(events.find((e) => e.event === 'diff.done')).toMatchObject({ changed: 1 });
  });
});
