import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * `reconcile diff --out DIR` killed (SIGKILL) after some chunks, then run again with the same
 * arguments: it goes on from its checkpoint, and ends with the files an uninterrupted run
 * writes; other inputs, --no-resume, or a damaged checkpoint start over and say why.
 */
const schemas = new TestSchemas();
let args: string[];
let tmp: string;
let whole: { dir: string; run: CliResult };

beforeAll(async () => {
  const b = await schemas.create('dres_b');
  const i = await schemas.create('dres_i');
  const ddl = `CREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(20));
    CREATE TABLE codes (code VARCHAR(10) PRIMARY KEY, v INT);
    CREATE TABLE tags (t VARCHAR(5));`;
  await sql(
    b,
    `${ddl} INSERT INTO accounts SELECT seq, CONCAT('a', seq) FROM seq_1_to_400;
     INSERT INTO codes SELECT CONCAT('c', LPAD(seq, 4, '0')), seq FROM seq_1_to_200;
     INSERT INTO tags VALUES ('x'), ('x'), ('y');
     CREATE TABLE archived (id INT PRIMARY KEY); INSERT INTO archived VALUES (3), (1), (2);`,
  );
  await sql(
    i,
    `${ddl} INSERT INTO accounts SELECT seq, IF(seq % 10 = 0, 'changed', CONCAT('a', seq))
       FROM seq_1_to_400 WHERE seq % 4 <> 1;
     INSERT INTO accounts SELECT seq, 'new' FROM seq_1001_to_1010;
     INSERT INTO codes SELECT CONCAT('c', LPAD(seq, 4, '0')), IF(seq % 7 = 0, -seq, seq)
       FROM seq_1_to_200 WHERE seq % 9 <> 0;
     INSERT INTO tags VALUES ('x'), ('z');`,
  );
  tmp = await tempDir('diff-resume');
  args = ['diff', '--backup', urlOf(b.schema), '--interim', urlOf(i.schema), '--chunk-rows', '40'];
  whole = {
    dir: join(tmp, 'whole'),
    run: await diffInto(join(tmp, 'whole'), '--log-level', 'debug'),
  };
  expect(whole.run.code, whole.run.stderr).toBe(1);
});
afterAll(async () => {
  await schemas.drop();
  await rm(tmp, { recursive: true, force: true });
});

function diffInto(dir: string, ...more: string[]): Promise<CliResult> {
  return runCli([...args, '--method', 'client', '--out', dir, '--json', ...more]);
}

/** The run's log events (pino writes JSON lines on stderr when it is not a terminal). */
function events(r: CliResult): Record<string, unknown>[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir)) out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

/** The document's tables without timings and chunk counts. */
function tablesOf(r: CliResult): unknown {
  const doc = JSON.parse(r.stdout) as { tables: Record<string, unknown>[] };
  return doc.tables.map((t) => ({ ...t, seconds: 0, chunks: 0, chunksSkipped: 0 }));
}

/** Runs the diff into `dir` until the checkpoint has recorded `n` chunks of accounts; kill -9. */
async function killedAfter(dir: string, n: number): Promise<void> {
  await killAt([...args, '--method', 'client', '--out', dir], `checkpoint:accounts:${n}`);
  expect(await readdir(join(dir, '.reconcile-checkpoint'))).toContain('checkpoint.json');
}

describe('diff --out DIR after a kill -9', () => {
  it('goes on from the last recorded chunk: finished chunks are not read again, the files are those of an uninterrupted run', async () => {
    const dir = join(tmp, 'resumed');
    await killedAfter(dir, 3);
    const r = await diffInto(dir, '--log-level', 'debug');
    expect(r.code, r.stderr).toBe(1);
    const resumed = events(r).find((e) => e.event === 'diff.resumed');
    expect(resumed).toMatchObject({ tables: 4, chunksDone: expect.any(Number) });
    expect(String(resumed?.msg)).toMatch(
      /^resuming the diff started at \S+: \d of 4 tables done, table accounts after \(id\) = \(\d+\)/,
    );
    // accounts is cut at fixed keys (40 rows a chunk): the rerun read every chunk but the three
    // recorded ones
    const hashed = (x: CliResult): number =>
      events(x).filter((e) => e.event === 'chunk.hashed' && e.table === 'accounts').length;
    expect(hashed(whole.run)).toBeGreaterThan(5);
    expect(hashed(r)).toBe(hashed(whole.run) - 3);
    expect(JSON.parse(r.stdout).resumed).toMatchObject({ chunksDone: expect.any(Number) });
    expect(tablesOf(r)).toEqual(tablesOf(whole.run));
    expect(await filesOf(dir)).toEqual(await filesOf(whole.dir));
    expect(await readdir(dir)).not.toContain('.reconcile-checkpoint');
  });

  it.each([
    ['another option', ['--sample', '3'], /--sample changed \(was 20, now 3\)/],
    [
      'other tables',
      ['--tables', 'accounts,codes'],
      /--tables changed \(was \(all\), now accounts,codes\)/,
    ],
    ['--no-resume', ['--no-resume'], /: --no-resume$/m],
  ])('%s: starts over and says why', async (label, more, why) => {
    const dir = join(tmp, `other-${label.replace(/\W/g, '')}`);
    await killedAfter(dir, 2);
    const r = await diffInto(dir, ...more);
    expect(r.code, r.stderr).toBe(1);
    const restarted = events(r).find((e) => e.event === 'diff.restarted');
    expect(String(restarted?.msg)).toMatch(/^starting over, not resuming the interrupted diff in /);
    expect(String(restarted?.msg)).toMatch(why);
    expect(JSON.parse(r.stdout).resumed).toBeUndefined();
    const files = await filesOf(dir);
    const expected = await filesOf(whole.dir);
    for (const f of Object.keys(files)) expect(files[f], f).toBe(expected[f]);
  });

  it.each([
    [
      'a checkpoint that is not JSON',
      (dir: string) => writeFile(join(dir, '.reconcile-checkpoint', 'checkpoint.json'), '{"form'),
      /checkpoint\.json is not JSON/,
    ],
    [
      'a table file cut shorter than recorded',
      (dir: string) => truncate(join(dir, 'accounts.jsonl'), 1),
      /accounts\.jsonl holds 1 bytes, the checkpoint recorded \d+/,
    ],
  ])('%s: starts over and says why', async (label, damage, why) => {
    const dir = join(tmp, `damaged-${label.replace(/\W/g, '')}`);
    await killedAfter(dir, 3);
    await damage(dir);
    const r = await diffInto(dir);
    expect(r.code, r.stderr).toBe(1);
    expect(String(events(r).find((e) => e.event === 'diff.restarted')?.msg)).toMatch(why);
    expect(await filesOf(dir)).toEqual(await filesOf(whole.dir));
  });
});
