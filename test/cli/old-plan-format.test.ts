import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_FORMAT_VERSION } from '../../src/plan/format.js';
import { runCli } from '../support/cli.js';
import { oldFormatPlan } from '../support/old-plan.js';
import { tempDir } from '../support/temp.js';

// Refused while reading the folder, before anything connects: no server is needed.
describe('a plan of an older format, on the command line', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('old-format-cli');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // 3: its action files were plain JSONL, where format 4's are gzip compressed
  for (const [command, version] of [
    ['apply', 2],
    ['verify', 2],
    ['apply', 3],
    ['verify', 3],
  ] as const) {
    it(`${command}, format ${version}: exit 3, one line saying to make the plan again`, async () => {
      const dir = await oldFormatPlan(join(root, `${command}-${version}`), version);
      const r = await runCli([command, '--plan', dir, '--json']);
      expect(r.code).toBe(3);
      const line = `plan format ${version}, this reconcile reads format ${PLAN_FORMAT_VERSION}: make the plan again`;
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(line);
      const doc: unknown = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ error: { exit: 3, reason: 'edited-plan' } });
      expect(JSON.stringify(doc)).toContain(line);
    });
  }
});
