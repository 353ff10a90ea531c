import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendFile, ShortFileError } from '../../src/diff/append-file.js';
import { CheckpointWriter, fingerprintChange, readCheckpoint } from '../../src/diff/checkpoint.js';
import { loadDiffRecord } from '../../src/diff/diff-checkpoint.js';
import {
  describePoint,
  loadPoint,
  type ResumePoint,
  savePoint,
} from '../../src/diff/resume-point.js';
import { TableOutput } from '../../src/diff/table-output.js';
import { emptyTally } from '../../src/diff/table-tally.js';
import { loadPlanRecord, planRestartReason } from '../../src/plan/plan-checkpoint.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconcile-checkpoint-unit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fingerprintChange', () => {
  const fp = {
    '--backup': 'mysql://u@h:1/b',
    '--sample': '20',
    "the backup's schema": 'a'.repeat(64),
  };

  it('null when every label holds the same value', () => {
    expect(fingerprintChange(fp, { ...fp })).toBeNull();
  });
  it('names the first changed label, with both values when they are readable', () => {
    expect(fingerprintChange(fp, { ...fp, '--sample': '3' })).toBe(
      '--sample changed (was 20, now 3)',
    );
    expect(fingerprintChange(fp, { ...fp, "the backup's schema": 'b'.repeat(64) })).toBe(
      "the backup's schema changed",
    );
  });
  it('a label only one side has', () => {
    expect(fingerprintChange(fp, { ...fp, '--tables': 'a' })).toBe(
      '--tables: not in the interrupted run',
    );
    const { '--sample': _, ...less } = fp;
    expect(fingerprintChange(fp, less)).toBe('--sample: gone since the interrupted run');
  });
});

describe('resume points', () => {
  const points: ResumePoint[] = [
    { kind: 'range', after: [Buffer.from('42')] },
    { kind: 'range', after: [Buffer.from([0, 255, 10]), null, Buffer.from('')] },
    { kind: 'partition', parts: 8, next: 3 },
  ];
  it.each(points)('survives the checkpoint file: %o', (p) => {
    expect(loadPoint(JSON.parse(JSON.stringify(savePoint(p))))).toEqual(p);
  });
  it.each([
    null,
    {},
    { kind: 'range', after: [] },
    { kind: 'range', after: ['xyz'] },
    { kind: 'partition', parts: 4, next: 4 },
    { kind: 'partition', parts: 4, next: 0 },
    { kind: 'partition', parts: 4.5, next: 1 },
  ])('refuses what is not one: %o', (x) => {
    expect(loadPoint(x)).toBeNull();
  });
  it('says where a table goes on from, for people', () => {
    expect(describePoint(['id'], { kind: 'range', after: [Buffer.from('1200')] })).toBe(
      'after (id) = (1200)',
    );
    expect(
      describePoint(['a', 'b'], {
        kind: 'range',
        after: [Buffer.from("o'k"), Buffer.from([1, 2])],
      }),
    ).toBe('after (a, b) = ("o\'k", 0x0102)');
    expect(describePoint([], { kind: 'partition', parts: 8, next: 3 })).toBe(
      'from partition 4 of 8',
    );
  });
});

describe('the checkpoint file', () => {
  it('written as tables record, read back; concurrent saves end with the last state', async () => {
    const path = join(dir, 'c1.json');
    const w = new CheckpointWriter<{ n: number }>(
      path,
      { command: 'diff', startedAt: '2020-01-01T00:00:00.000Z', fingerprint: { a: '1' } },
      {},
    );
    await Promise.all(Array.from({ length: 20 }, (_, n) => w.record(`t${n % 3}`, { n })));
    const back = await readCheckpoint(path, 'diff', (x) => x as { n: number });
    expect(back).toEqual({
      kind: 'found',
      doc: {
        format: 1,
        command: 'diff',
        startedAt: '2020-01-01T00:00:00.000Z',
        fingerprint: { a: '1' },
        tables: { t0: { n: 18 }, t1: { n: 19 }, t2: { n: 17 } },
      },
    });
  });
  it('none, or unusable with the reason', async () => {
    expect(await readCheckpoint(join(dir, 'absent.json'), 'diff', () => null)).toEqual({
      kind: 'none',
    });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"format":1,');
    expect(await readCheckpoint(bad, 'diff', () => null)).toMatchObject({
      kind: 'unusable',
      reason: expect.stringMatching(/is not JSON$/),
    });
    const plan = join(dir, 'plan.json');
    await writeFile(
      plan,
      JSON.stringify({ format: 1, command: 'plan', startedAt: 'x', fingerprint: {}, tables: {} }),
    );
    expect(await readCheckpoint(plan, 'diff', () => null)).toMatchObject({
      kind: 'unusable',
      reason: expect.stringMatching(/is not a diff checkpoint/),
    });
    await writeFile(
      plan,
      JSON.stringify({
        format: 1,
        command: 'diff',
        startedAt: 'x',
        fingerprint: {},
        tables: { t: 1 },
      }),
    );
    expect(await readCheckpoint(plan, 'diff', () => null)).toMatchObject({
      kind: 'unusable',
      reason: expect.stringMatching(/unreadable record of t$/),
    });
  });
  it('table records are checked', () => {
    const ok = {
      next: { kind: 'range', after: ['3132'] },
      lengths: [1, 2, 3],
      tally: emptyTally(),
      chunks: 2,
      chunksSkipped: 1,
    };
    expect(loadDiffRecord(ok)).toEqual(ok);
    expect(loadDiffRecord({ ...ok, next: null, lengths: [7] })).not.toBeNull();
    expect(loadDiffRecord({ ...ok, lengths: [7] })).toBeNull();
    expect(loadDiffRecord({ ...ok, tally: {} })).toBeNull();
    const interim = { digest: { count: '3', sum: '00000000000000ff' }, method: '{}' };
    expect(loadPlanRecord({ interim, progress: null })).not.toBeNull();
    expect(
      loadPlanRecord({ interim, progress: { next: null, spools: [0, 1, 2], identical: 5 } }),
    ).not.toBeNull();
    expect(
      loadPlanRecord({ interim, progress: { next: null, spools: [0], identical: 5 } }),
    ).toBeNull();
    expect(loadPlanRecord({ progress: null })).toBeNull();
  });
  it('why a plan starts over', () => {
    const doc = {
      format: 1,
      command: 'plan' as const,
      startedAt: 'x',
      fingerprint: { a: '1' },
      tables: {},
    };
    expect(planRestartReason({ kind: 'none' }, { a: '1' }, true)).toBeNull();
    expect(planRestartReason({ kind: 'found', doc }, { a: '1' }, true)).toBeNull();
    expect(planRestartReason({ kind: 'found', doc }, { a: '1' }, false)).toBe('--no-resume');
    expect(planRestartReason({ kind: 'found', doc }, { a: '2' }, true)).toBe(
      'a changed (was 1, now 2)',
    );
    expect(planRestartReason({ kind: 'unusable', reason: 'r' }, { a: '1' }, true)).toBe('r');
  });
});

describe('output files', () => {
  it('an AppendFile reopened at a length is cut back to it; a shorter one is refused', async () => {
    const path = join(dir, 'a.txt');
    const f = await AppendFile.open(path);
    await f.write('hello ');
    expect(f.length).toBe(6);
    await f.flush();
    await f.write('world');
    await f.close();
    expect(await readFile(path, 'utf8')).toBe('hello world');
    const g = await AppendFile.open(path, 6);
    await g.write('there');
    await g.close();
    expect(await readFile(path, 'utf8')).toBe('hello there');
    await expect(AppendFile.open(path, 100)).rejects.toBeInstanceOf(ShortFileError);
  });

  it('a table output groups lines by class, and goes on from recorded lengths', async () => {
    const file = join(dir, 't.jsonl');
    const parts = join(dir, 't.part');
    const a = new TableOutput(file, parts, null);
    await a.line('onlyBackup', { k: 1 });
    await a.line('changed', { k: 2 });
    await a.line('onlyInterim', { k: 3 });
    await a.flush();
    const recorded = a.lengths();
    // written after the last record: a resume drops it
    await a.line('changed', { k: 'lost' });
    await a.flush();
    await a.abandon();
    const b = new TableOutput(file, parts, recorded);
    await b.line('changed', { k: 4 });
    await b.line('onlyBackup', { k: 5 });
    const length = await b.complete();
    await b.removeParts();
    const text = await readFile(file, 'utf8');
    expect(text).toBe(['{"k":2}', '{"k":4}', '{"k":1}', '{"k":5}', '{"k":3}', ''].join('\n'));
    expect(length).toBe(Buffer.byteLength(text));
    await expect(readFile(`${parts}.onlyBackup`)).rejects.toThrow(/ENOENT/);
  });
});
