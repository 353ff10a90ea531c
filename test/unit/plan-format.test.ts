import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, PreconditionError } from '../../src/errors.js';
import { MANIFEST_FILE, PLAN_FORMAT_VERSION } from '../../src/plan/format.js';
import { loadVerifiedPlan } from '../../src/plan/plan-files.js';
import { oldFormatPlan } from '../support/old-plan.js';
import { tempDir } from '../support/temp.js';

describe('a plan folder of an older format', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('old-format');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const version of [3, 2, 1]) {
    it(`format ${version} is refused with one line: make the plan again (exit 3)`, async () => {
      const dir = await oldFormatPlan(join(root, `v${version}`), version);
      const refused = await loadVerifiedPlan(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(PreconditionError);
      if (!(refused instanceof PreconditionError)) return;
      expect(refused.message).toBe(
        `${join(dir, MANIFEST_FILE)}: plan format ${version}, this reconcile reads format ${PLAN_FORMAT_VERSION}: make the plan again`,
      );
      expect(refused.message).not.toContain('\n');
      expect(refused.exitCode).toBe(ExitCode.refused);
      expect(refused.reason).toBe('edited-plan');
    });
  }

  it('is refused before its planId or its files are looked at', async () => {
    // No action files and no planId at all: the version alone decides.
    const dir = join(root, 'bare');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ formatVersion: 1 }));
    await expect(loadVerifiedPlan(dir)).rejects.toThrow(
      `plan format 1, this reconcile reads format ${PLAN_FORMAT_VERSION}: make the plan again`,
    );
  });
});
