import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import type { DiffMethod } from '../../src/diff/engine.js';
import type { Progress } from '../../src/diff/progress.js';
import type { DiffDocument } from '../../src/diff/result.js';
import { runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * The files of `diff --out DIR`: the same whatever the chunk size, and the same when a run that
 * failed half-way is run again into the folder (the checkpoint's resume), tables without a key
 * (resumed by hash partition) included.
 */
const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;
let tmp: string;

// Every class in every stretch of keys: changed (id ≡ 0 mod 5), only in the backup (≡ 1 mod 7)
// and only in the interim (ids above 10,000 interleaved by 10,000 + 3k), so a chunk of any size
// holds several classes.
const DDL = `CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
  CREATE TABLE bag (a INT, b VARCHAR(10));`;

beforeAll(async () => {
  backup = await schemas.create('outf_b');
  interim = await schemas.create('outf_i');
  const ids = Array.from({ length: 600 }, (_, i) => i + 1);
  const bag = Array.from({ length: 300 }, (_, i) => `(${i % 40}, 'r${i % 13}')`);
  await sql(
    backup,
    `${DDL} INSERT INTO t VALUES ${ids.map((i) => `(${i}, 'v${i}')`).join(',')};
     INSERT INTO bag VALUES ${bag.join(',')}; ANALYZE TABLE bag;`,
  );
  await sql(
    interim,
    `${DDL} INSERT INTO t VALUES ${ids
      .filter((i) => i % 7 !== 1)
      .map((i) => `(${i}, '${i % 5 === 0 ? 'edited' : `v${i}`}')`)
      .join(',')}, ${ids.map((i) => `(${10_000 + 3 * i}, 'new')`).join(',')};
     INSERT INTO bag VALUES ${bag.filter((_, i) => i % 11 !== 0).join(',')}, (99, 'new'), (98, 'new');
     ANALYZE TABLE bag;`,
  );
  tmp = await tempDir('out-files');
});
afterAll(async () => {
  await schemas.drop();
  await rm(tmp, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir, { withFileTypes: true }))
    if (f.isFile()) out[f.name] = await readFile(join(dir, f.name), 'utf8');
  return out;
}

function diffInto(
  outDir: string,
  o: { chunkRows?: number; method?: DiffMethod; progress?: Progress; partitionRows?: number },
): Promise<DiffDocument> {
  return runDiff({
    backup,
    interim,
    tables: null,
    concurrency: 3,
    method: o.method ?? 'auto',
    sampleLimit: 5,
    outDir,
    logger: silentLogger(),
    chunkRows: o.chunkRows,
    partitionRows: o.partitionRows ?? 40,
    progress: o.progress,
  });
}

/** What a document says, without how long it took or how the chunks were cut. */
function what(doc: DiffDocument): unknown {
  return doc.tables.map((t) => ({ ...t, seconds: 0, chunks: 0, chunksSkipped: 0 }));
}

/** Progress that fails the run once `rows` rows have been compared (a crash, in-process). */
function failingAfter(rows: number): { progress: Progress; seen: () => number } {
  let seen = 0;
  return {
    seen: () => seen,
    progress: {
      tableStarted: () => undefined,
      tableDone: () => undefined,
      rowsDone: (_t: string, n: number) => {
        seen += n;
        if (seen > rows) throw new Error('stopped for the test');
      },
    },
  };
}

describe('diff --out DIR files', () => {
  it.each<DiffMethod>(['client', 'auto'])(
    'do not depend on the chunk size (%s): lines by class, each in key order',
    async (method) => {
      const a = join(tmp, `chunks-3-${method}`);
      const b = join(tmp, `chunks-7-${method}`);
      const c = join(tmp, `chunks-auto-${method}`);
      await diffInto(a, { chunkRows: 3, method });
      await diffInto(b, { chunkRows: 7, method });
      await diffInto(c, { method });
      const fa = await filesOf(a);
      expect(await filesOf(b)).toEqual(fa);
      expect(await filesOf(c)).toEqual(fa);
      const classes = (fa['t.jsonl'] ?? '')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { class: string }).class);
      // grouped: every changed line, then every only-backup one, then every only-interim one
      expect(classes.join(',')).toBe(
        [
          ...classes.filter((x) => x === 'changed'),
          ...classes.filter((x) => x === 'onlyBackup'),
          ...classes.filter((x) => x === 'onlyInterim'),
        ].join(','),
      );
      expect(new Set(classes)).toEqual(new Set(['changed', 'onlyBackup', 'onlyInterim']));
    },
  );

  it.each([
    ['a table without a key, by hash partition', 150, 'bag', 'partition'],
    ['a keyed table', 900, 't', 'range'],
  ])(
    'a run that failed half-way, run again, goes on from its checkpoint (%s): the same files and document',
    async (_label, failAfter, table, kind) => {
      const whole = join(tmp, `whole-${failAfter}`);
      const expected = await diffInto(whole, { chunkRows: 50 });
      const dir = join(tmp, `resumed-${failAfter}`);
      const first = failingAfter(failAfter);
      await expect(diffInto(dir, { chunkRows: 50, progress: first.progress })).rejects.toThrow(
        'stopped for the test',
      );
      const saved = JSON.parse(
        await readFile(join(dir, '.reconcile-checkpoint', 'checkpoint.json'), 'utf8'),
      ) as { tables: Record<string, { next: { kind: string } | null }> };
      // stopped inside the table: it goes on from a key, or from a partition
      expect(saved.tables[table]?.next?.kind).toBe(kind);
      const again = failingAfter(Number.POSITIVE_INFINITY);
      const doc = await diffInto(dir, { chunkRows: 50, progress: again.progress });
      expect(doc.resumed?.chunksDone).toBeGreaterThan(0);
      expect(what(doc)).toEqual(what(expected));
      expect(doc.totals).toEqual(expected.totals);
      expect(await filesOf(dir)).toEqual(await filesOf(whole));
      // the checkpoint is gone once the diff is done; the rows of finished chunks were not
      // compared again (the rerun compared fewer rows than a whole run)
      expect(await readdir(dir)).not.toContain('.reconcile-checkpoint');
      const all = failingAfter(Number.POSITIVE_INFINITY);
      await diffInto(join(tmp, `count-${failAfter}`), { chunkRows: 50, progress: all.progress });
      expect(again.seen()).toBeLessThan(all.seen());
    },
  );
});
