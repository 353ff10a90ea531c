import { rm, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/must.js';
import { DraftFiles } from '../../src/plan/drafts.js';
import type { Draft } from '../../src/plan/materialize.js';
import { tempDir } from '../support/temp.js';

/** An insert draft whose row holds multi-byte text, long enough to cross read boundaries. */
function draft(n: number): Draft {
  const text = `${'é€😀'.repeat(n % 97)}\n"\\${n}`;
  return {
    action: {
      op: 'insert',
      rule: 'onMissingInInterim=restore',
      key: { id: String(n) },
      row: { id: String(n), name: text, note: n % 5 === 0 ? null : 'x'.repeat(n % 300) },
      copyOf: n % 2 === 0 ? 'backup' : null,
      hash: n.toString(16).padStart(16, '0'),
    },
    world: 'backup',
    pure: n % 3 !== 0,
    origKey: [String(n)],
    ...(n % 7 === 0 ? { keyMerged: true } : {}),
  };
}

describe('draft files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('drafts');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('read back every draft as written, in order, across reads that cut lines and characters', async () => {
    const drafts = new DraftFiles(dir, 't0001');
    const written = Array.from({ length: 20_000 }, (_, n) => draft(n));
    // Rows whose line is longer than several reads (64 KiB each), one of them the last line.
    for (const n of [5_000, 19_999]) {
      const d = must(written[n], 'draft');
      if (d.action.op !== 'insert') throw new Error('an insert draft');
      written[n] = {
        ...d,
        action: { ...d.action, row: { ...d.action.row, note: 'ü'.repeat(300_000) } },
      };
    }
    for (const d of written) await drafts.write(d);
    await drafts.write(
      {
        action: {
          op: 'delete',
          rule: 'r',
          key: { id: '1' },
          before: { id: '1' },
          beforeHash: '0000000000000001',
        },
        world: null,
        pure: true,
        origKey: null,
      },
      2,
    );
    await drafts.close();
    // Several reads of the file, so lines and characters are cut between them.
    expect((await stat(drafts.path('insert'))).size).toBeGreaterThan(3 * 2 ** 20);

    const read = [];
    for await (const d of drafts.read(['delete', 'insert'])) read.push(d);
    expect(read.map((d) => d.id)).toEqual([
      'delete:0',
      'delete:1',
      ...written.map((_, n) => `insert:${n}`),
    ]);
    expect(read.slice(2).map(({ id: _, ...d }) => d)).toEqual(
      written.map((d) => ({ ...d, keyMerged: d.keyMerged === true })),
    );
    expect(drafts.keyMerged).toBe(written.filter((d) => d.keyMerged).length);
  });
});
