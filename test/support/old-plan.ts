import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import { MANIFEST_FILE } from '../../src/plan/format.js';
import { sha256 } from '../../src/plan/plan-files.js';

/**
 * A plan folder as an older reconcile wrote it: plan.json at format `version`, whole and
 * unedited otherwise (its planId matches its content, no action file is missing). Returns `dir`.
 */
export async function oldFormatPlan(dir: string, version: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const content = {
    formatVersion: version,
    createdAt: '2024-01-01T00:00:00.000Z',
    sources: {
      backup: { url: 'mysql://root@127.0.0.1:3306/shop_backup', schema: 'shop_backup' },
      interim: { url: 'mysql://root@127.0.0.1:3306/shop', schema: 'shop' },
      target: { url: 'mysql://root@127.0.0.1:3306/shop', schema: 'shop' },
    },
    tables: [],
  };
  // the planId as plan-files.ts computes it: sha256 of the rest, keys sorted
  const manifest = { ...content, planId: sha256(stableStringify(content)) };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}
