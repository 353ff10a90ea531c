import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { serverUrl, sql, TestSchemas, urlOf } from '../support/schemas.js';

/** `reconcile diff` as a user runs it: exit codes, one-line errors, --json, --out. */
const schemas = new TestSchemas();
let same1: string;
let same2: string;
let b: string;
let i: string;
let tmp: string;

const DDL = `
  CREATE TABLE customer (id INT PRIMARY KEY, name VARCHAR(20));
  CREATE TABLE \`odd \`\`name\` (k VARCHAR(5) PRIMARY KEY, v INT);
  CREATE TABLE tags (t VARCHAR(5));
`;

beforeAll(async () => {
  const names = await Promise.all(
    ['cli_s1', 'cli_s2', 'cli_b', 'cli_i'].map((l) => schemas.create(l)),
  );
  [same1, same2, b, i] = names.map((t) => urlOf(t.schema)) as [string, string, string, string];
  const rows = Array.from({ length: 60 }, (_, n) => `(${n + 1}, 'c${n + 1}')`).join(', ');
  const base = `${DDL} INSERT INTO customer VALUES ${rows};
    INSERT INTO \`odd \`\`name\` VALUES ('a', 1), ('b', 2);
    INSERT INTO tags VALUES ('x'), ('x'), ('y');`;
  await Promise.all([
    sql(names[0] as never, base),
    sql(names[1] as never, base),
    sql(
      names[2] as never,
      `${base} CREATE TABLE archived (id INT PRIMARY KEY); INSERT INTO archived VALUES (3), (1), (2);`,
    ),
    sql(
      names[3] as never,
      `${base} CREATE TABLE audit (msg VARCHAR(5)); INSERT INTO audit VALUES ('a'), ('a');
       UPDATE customer SET name = 'renamed' WHERE id <= 30;
       DELETE FROM customer WHERE id = 60; INSERT INTO customer VALUES (61, 'new');
       UPDATE \`odd \`\`name\` SET v = 20 WHERE k = 'b';
       DELETE FROM tags WHERE t = 'y'; INSERT INTO tags VALUES ('x');`,
    ),
  ]);
  tmp = await mkdtemp(join(tmpdir(), 'reconcile-cli-'));
});
afterAll(async () => {
  await schemas.drop();
  await rm(tmp, { recursive: true, force: true });
});

const diff = (...args: string[]): Promise<CliResult> => runCli(['diff', ...args]);

/** A user error: the exit code, exactly one line on stderr, nothing on stdout, no stack. */
function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^reconcile: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('reconcile diff: exit codes', () => {
  it('0 and a readable table when the schemas hold the same rows', async () => {
    const r = await diff('--backup', same1, '--interim', same2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/customer\s+60\s+0\s+0\s+0/);
    expect(r.stdout).toMatch(/no differences/);
  });

  it('1 when rows differ', async () => {
    const r = await diff('--backup', b, '--interim', i);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/customer\s+29\s+30\s+1\s+1/);
  });

  it('2 for an unknown flag, in one line', async () => {
    expectOneLineError(await diff('--backup', b, '--interim', i, '--bogus'), 2, /--bogus/);
  });

  it('2 for a missing --backup', async () => {
    expectOneLineError(await diff('--interim', i), 2, /--backup/);
  });

  it('2 for a malformed URL, never repeating its password', async () => {
    const r = await diff('--backup', 'mysql://root:p@ss-w0rd@db:notaport/x', '--interim', i);
    expectOneLineError(r, 2, /--backup/);
    expect(r.stderr).not.toMatch(/w0rd/);
    expectOneLineError(await diff('--backup', 'nope', '--interim', i), 2, /not a URL/);
    expectOneLineError(await diff('--backup', `${serverUrl()}/`, '--interim', i), 2, /schema/);
  });

  it('2 for an unknown table in --tables', async () => {
    const r = await diff('--backup', b, '--interim', i, '--tables', 'customer,nope');
    expectOneLineError(r, 2, /unknown table "nope"/);
  });

  it('2 for a bad option value', async () => {
    expectOneLineError(
      await diff('--backup', b, '--interim', i, '--concurrency', '0'),
      2,
      /concurrency/,
    );
  });

  it('3 when the server cannot be reached', async () => {
    const r = await diff('--backup', 'mysql://root@127.0.0.1:1/x', '--interim', i);
    expectOneLineError(r, 3, /127\.0\.0\.1:1/);
  });

  it('3 for a wrong password, which appears nowhere', async () => {
    const secret = 'Wr0ng-s3cret-pw';
    const url = b.replace('mysql://root@', `mysql://root:${secret}@`);
    const r = await diff('--backup', url, '--interim', i);
    expectOneLineError(r, 3, /denied/i);
    expect(r.stderr + r.stdout).not.toContain(secret);
    // With --json the refusal is a JSON document on stdout too (DESIGN §4), the secret in neither.
    const j = await diff('--backup', url, '--interim', i, '--json');
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { exit: 3, reason: 'access-denied' } });
    expect(j.stderr + j.stdout).not.toContain(secret);
    const viaEnv = await runCli(['diff', '--backup', b, '--interim', i], {
      env: { MYSQL_PWD: secret },
    });
    expect(viaEnv.code).toBe(3);
    expect(viaEnv.stderr + viaEnv.stdout).not.toContain(secret);
  });

  it('3 for an unknown schema', async () => {
    const r = await diff('--backup', b, '--interim', `${serverUrl()}/rt_no_such_schema_x`);
    expectOneLineError(r, 3, /rt_no_such_schema_x/);
  });
});

describe('reconcile diff --json', () => {
  it('prints exactly one JSON document with totals and per-table counts', async () => {
    const r = await diff('--backup', b, '--interim', i, '--json');
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals).toMatchObject({ identical: 32, changed: 31, onlyBackup: 5, onlyInterim: 4 });
    expect(doc.tables.map((t: { table: string }) => t.table)).toEqual([
      'archived',
      'audit',
      'customer',
      'odd `name',
      'tags',
    ]);
    expect(doc.tables[0]).toMatchObject({ status: 'onlyInBackup', onlyBackup: 3 });
    expect(doc.tables[1]).toMatchObject({ status: 'onlyInInterim', onlyInterim: 2 });
    for (const t of doc.tables) {
      for (const f of ['table', 'identical', 'changed', 'onlyBackup', 'onlyInterim']) {
        expect(t).toHaveProperty(f);
      }
    }
    const customer = doc.tables[2];
    expect(customer).toMatchObject({ identical: 29, changed: 30, onlyBackup: 1, onlyInterim: 1 });
    expect(customer.changedColumns).toEqual({ name: 30 });
    // a bounded sample of keys (--sample defaults to 20)
    expect(customer.samples.changed).toHaveLength(20);
    expect(JSON.stringify(doc)).not.toMatch(/password/i);
  });

  it('limits --tables to the named ones', async () => {
    const r = await diff('--backup', b, '--interim', i, '--json', '--tables', 'odd `name');
    const doc = JSON.parse(r.stdout);
    expect(doc.tables.map((t: { table: string }) => t.table)).toEqual(['odd `name']);
    expect(doc.totals).toMatchObject({ changed: 1, identical: 1 });
  });
});

describe('reconcile diff --out DIR', () => {
  it('writes every differing key per table as JSON lines', async () => {
    const out = join(tmp, 'keys');
    const r = await diff('--backup', b, '--interim', i, '--out', out, '--sample', '2');
    expect(r.code, r.stderr).toBe(1);
    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      'archived.jsonl',
      'audit.jsonl',
      'customer.jsonl',
      'odd%20%60name.jsonl',
      'tags.jsonl',
    ]);
    const lines = async (f: string): Promise<unknown[]> =>
      (await readFile(join(out, f), 'utf8'))
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l));
    const customer = await lines('customer.jsonl');
    // every key, not only the sample of 2
    expect(customer).toHaveLength(32);
    expect(customer.slice(0, 2)).toEqual([
      { class: 'changed', key: { id: '1' }, columns: ['name'] },
      { class: 'changed', key: { id: '2' }, columns: ['name'] },
    ]);
    expect(customer.slice(-2)).toEqual([
      { class: 'onlyBackup', key: { id: '60' } },
      { class: 'onlyInterim', key: { id: '61' } },
    ]);
    expect(await lines('odd%20%60name.jsonl')).toEqual([
      { class: 'changed', key: { k: 'b' }, columns: ['v'] },
    ]);
    // a table only one side has: every key (every row, without a key) in full
    expect(await lines('archived.jsonl')).toEqual([
      { class: 'onlyBackup', key: { id: '1' } },
      { class: 'onlyBackup', key: { id: '2' } },
      { class: 'onlyBackup', key: { id: '3' } },
    ]);
    expect(await lines('audit.jsonl')).toEqual([
      { class: 'onlyInterim', row: { msg: 'a' }, count: 1 },
      { class: 'onlyInterim', row: { msg: 'a' }, count: 1 },
    ]);
    expect(await lines('tags.jsonl')).toEqual([
      { class: 'onlyBackup', row: { t: 'y' }, count: 1 },
      { class: 'onlyInterim', row: { t: 'x' }, count: 1 },
    ]);
  });

  it('2 when DIR cannot be a directory, before connecting', async () => {
    const file = join(tmp, 'a-file');
    await writeFile(file, 'x');
    const r = await diff('--backup', 'mysql://root@127.0.0.1:1/x', '--interim', i, '--out', file);
    expectOneLineError(r, 2, /--out/);
  });
});
