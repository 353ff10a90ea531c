import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, PreconditionError } from '../../src/errors.js';
import { ActionFileWriter, actionFileName } from '../../src/plan/action-file.js';
import type { Action, PlanManifest } from '../../src/plan/format.js';
import { loadVerifiedPlan, readActions, sha256 } from '../../src/plan/plan-files.js';
import { shopFixture, writeFixturePlan } from '../support/report-fixture.js';
import { tempDir } from '../support/temp.js';

const ACTIONS: Action[] = [
  {
    op: 'delete',
    rule: 'onMissingInBackup=delete',
    key: { id: '7' },
    before: { id: '7', n: 'x' },
    beforeHash: '0000000000000001',
  },
  {
    op: 'insert',
    rule: 'onMissingInInterim=restore',
    key: { id: '8' },
    row: { id: '8', n: 'é\n"' },
    copyOf: null,
    hash: '0000000000000002',
  },
];

/** What a refusal of `run` is: a PreconditionError's fields, or what else it threw. */
async function refusalOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof PreconditionError)) return e;
    return { exit: e.exitCode, reason: e.reason, message: e.message };
  }
  return 'accepted';
}

async function readAll(dir: string, file: string): Promise<Action[]> {
  const out: Action[] = [];
  for await (const a of readActions(dir, file)) out.push(a);
  return out;
}

describe('action files (gzip compressed JSONL)', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('action-file');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('are named .jsonl.gz and hold one JSON action per line, read back in order', async () => {
    const file = actionFileName(2, 'order lines');
    expect(file).toBe('actions/003-order%20lines.jsonl.gz');
    const w = new ActionFileWriter(join(root, 'a.jsonl.gz'));
    for (const a of ACTIONS) await w.write(a);
    const summary = await w.close();
    const text = gunzipSync(await readFile(join(root, 'a.jsonl.gz'))).toString('utf8');
    expect(text).toBe(ACTIONS.map((a) => `${JSON.stringify(a)}\n`).join(''));
    // plan.json's fileSha256: of the lines as they decompress (zcat FILE | sha256sum)
    expect(summary).toEqual({ sha256: sha256(text), lines: 2 });
    expect(await readAll(root, 'a.jsonl.gz')).toEqual(ACTIONS);
  });

  it('are the same bytes for the same actions: no name, no mtime in the gzip header', async () => {
    const bytes: Buffer[] = [];
    for (const name of ['x.jsonl.gz', 'y.jsonl.gz']) {
      const w = new ActionFileWriter(join(root, name));
      for (const a of ACTIONS) await w.write(a);
      await w.close();
      bytes.push(await readFile(join(root, name)));
    }
    expect(bytes[0]?.equals(bytes[1] ?? Buffer.alloc(0))).toBe(true);
    // ID1 ID2 CM FLG(no FNAME) MTIME=0
    expect(bytes[0]?.subarray(0, 8).toString('hex')).toBe('1f8b080000000000');
  });

  it('an empty table has a whole (empty) gzip stream', async () => {
    const w = new ActionFileWriter(join(root, 'empty.jsonl.gz'));
    expect(await w.close()).toEqual({ sha256: sha256(''), lines: 0 });
    expect(await readAll(root, 'empty.jsonl.gz')).toEqual([]);
  });

  describe('a plan whose action file is not what plan.json says is refused, in one line (exit 3)', () => {
    let dir: string;
    let manifest: PlanManifest;
    let file: string;
    let original: Buffer;
    beforeAll(async () => {
      dir = join(root, 'plan');
      const f = shopFixture();
      manifest = await writeFixturePlan(dir, f.tables, f.remaps);
      file = manifest.tables[1]?.file ?? '';
      original = await readFile(join(dir, file));
      expect(original.length).toBeGreaterThan(40);
    });

    const damages: [string, (path: string) => Promise<void>, RegExp][] = [
      [
        'truncated',
        (p) => truncate(p, original.length - 12),
        /not a whole gzip file: unexpected end of file/,
      ],
      [
        'cut to its header',
        (p) => truncate(p, 10),
        /not a whole gzip file: unexpected end of file/,
      ],
      ['emptied', (p) => truncate(p, 0), /not a whole gzip file: unexpected end of file/],
      [
        'a compressed byte changed',
        async (p) => {
          const b = Buffer.from(original);
          const at = b.length - 14;
          b[at] = (b[at] ?? 0) ^ 0x40;
          await writeFile(p, b);
        },
        /was edited or truncated/,
      ],
      [
        'its CRC changed',
        async (p) => {
          const b = Buffer.from(original);
          const at = b.length - 8;
          b[at] = (b[at] ?? 0) ^ 0x01;
          await writeFile(p, b);
        },
        /not a whole gzip file: incorrect data check/,
      ],
      ['bytes appended', (p) => appendFile(p, '{"op":"delete"}\n'), /not a whole gzip file/],
      [
        'written as plain JSONL',
        (p) => writeFile(p, gunzipSync(original)),
        /not a whole gzip file: incorrect header check/,
      ],
      [
        'edited and compressed again',
        (p) =>
          writeFile(
            p,
            gzipSync(gunzipSync(original).toString('utf8').replace('shipped', 'cancelled')),
          ),
        /was edited or truncated \(sha256 differs from plan\.json\)/,
      ],
      ['removed', (p) => rm(p), /is missing$/],
    ];

    for (const [what, damage, message] of damages) {
      it(what, async () => {
        const path = join(dir, file);
        await damage(path);
        try {
          const refused = await refusalOf(() => loadVerifiedPlan(dir));
          expect(refused).toMatchObject({ exit: ExitCode.refused, reason: 'edited-plan' });
          const text = (refused as { message: string }).message;
          expect(text).toMatch(message);
          expect(text).toContain(`plan ${manifest.planId.slice(0, 12)}: ${file} `);
          expect(text).not.toContain('\n');
          // Read without the check (a file changed after the plan was opened): refused too,
          // never a stack trace from zlib, unless what it holds still reads as actions.
          const read = await refusalOf(() => readAll(dir, file));
          if (what !== 'edited and compressed again') {
            expect(read).toMatchObject({ exit: ExitCode.refused, reason: 'edited-plan' });
            expect((read as { message: string }).message).toMatch(message);
          }
        } finally {
          await writeFile(path, original);
        }
      });
    }

    it('and accepted again once the file is restored', async () => {
      expect((await loadVerifiedPlan(dir)).planId).toBe(manifest.planId);
    });
  });
});
