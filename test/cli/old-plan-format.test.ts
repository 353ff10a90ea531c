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
  let dir: string;
  beforeAll(async () => {
    root = await tempDir('old-format-cli');
    dir = await oldFormatPlan(join(root, 'plan'), 2);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const command of ['apply', 'verify']) {
    it(`${command}: exit 3, one line saying to make the plan again`, async () => {
      const r = await runCli([command, '--plan', dir, '--json']);
      expect(r.code).toBe(3);
      const line = `plan format 2, this reconcile reads format ${PLAN_FORMAT_VERSION}: make the plan again`;
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(line);
      const doc: unknown = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ error: { exit: 3, reason: 'edited-plan' } });
      expect(JSON.stringify(doc)).toContain(line);
    });
  }
});
