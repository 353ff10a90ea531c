import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { Progress } from '../../src/diff/progress.js';
import { counts, diffSchemas, tableOf } from '../support/diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Memory stays bounded by chunk size × concurrency, not by table size: the diff of two tables
 * of ROWS × ~2.5 KB (≈ 2 × 36 MB read) with small chunks must never hold more than a fraction of
 * that. Measured as the peak of V8 heap + Buffers above the level before the run.
 */
const ROWS = 15_000;
const PAYLOAD = 2500;

// ten digits, cross-joined: portable row generation (no seq engine, no recursion limits)
const DIGITS =
  '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
const numbers = (n: number): string =>
  `SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n
     FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e, ${DIGITS} f
    WHERE a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d < ${n}`;

function fill(edit: boolean): string {
  const change = edit ? `IF(n % 500 = 0, 'y', 'x')` : `'x'`;
  return `
    CREATE TABLE wide (id INT PRIMARY KEY, payload TEXT);
    INSERT INTO wide SELECT n, CONCAT(n, REPEAT(${change}, ${PAYLOAD})) FROM (${numbers(ROWS)}) s;
    CREATE TABLE wide_bag (id INT, payload TEXT);
    INSERT INTO wide_bag SELECT id, payload FROM wide;
    ANALYZE TABLE wide, wide_bag;`;
}

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;

beforeAll(async () => {
  backup = await schemas.create('mem_b');
  interim = await schemas.create('mem_i');
  await Promise.all([sql(backup, fill(false)), sql(interim, fill(true))]);
}, 120_000);
afterAll(() => schemas.drop());

// A forced collection before each sample, so the samples are live memory, not garbage.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Runs a diff, sampling live memory (heap + Buffers, after a full collection) each time a
 * chunk is hashed; returns the peak above the level before the run, in MB.
 */
async function peakMb<T>(
  fn: (progress: Progress) => Promise<T>,
): Promise<{ result: T; peak: number }> {
  const level = (): number => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const start = level();
  let peak = start;
  let samples = 0;
  const progress: Progress = {
    tableStarted: () => undefined,
    tableDone: () => undefined,
    rowsDone: () => {
      samples++;
      peak = Math.max(peak, level());
    },
  };
  const result = await fn(progress);
  expect(samples).toBeGreaterThan(10);
  return { result, peak: (peak - start) / 2 ** 20 };
}

const tableMb = (2 * ROWS * PAYLOAD) / 2 ** 20;

describe('memory', () => {
  it('a keyed table: bounded by chunk size × concurrency', async () => {
    const { result: doc, peak } = await peakMb((progress) =>
      diffSchemas(backup, interim, {
        tables: ['wide'],
        chunkRows: 400,
        concurrency: 2,
        sampleLimit: 5,
        progress,
      }),
    );
    expect(counts(tableOf(doc, 'wide'))).toEqual({
      identical: ROWS - ROWS / 500,
      changed: ROWS / 500,
      onlyBackup: 0,
      onlyInterim: 0,
    });
    expect(peak, `peak ${peak.toFixed(1)} MB, read ${tableMb.toFixed(0)} MB`).toBeLessThan(
      tableMb / 2.4,
    );
  });

  it('a table without a key: bounded by partition size × concurrency', async () => {
    const { result: doc, peak } = await peakMb((progress) =>
      diffSchemas(backup, interim, {
        tables: ['wide_bag'],
        // The partition count comes from InnoDB's TABLE_ROWS estimate, which can be well off
        // for rows this wide: 500 keeps it above ten partitions even at half the true count.
        partitionRows: 500,
        concurrency: 2,
        sampleLimit: 5,
        progress,
      }),
    );
    const t = tableOf(doc, 'wide_bag');
    expect(t.chunks).toBeGreaterThan(10);
    expect(counts(t)).toEqual({
      identical: ROWS - ROWS / 500,
      changed: 0,
      onlyBackup: ROWS / 500,
      onlyInterim: ROWS / 500,
    });
    expect(peak, `peak ${peak.toFixed(1)} MB, read ${tableMb.toFixed(0)} MB`).toBeLessThan(
      tableMb / 2.4,
    );
  });
});
