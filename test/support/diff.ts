import type { DbTarget } from '../../src/db/url.js';
import type { DiffDocument, TableDiffResult } from '../../src/diff/result.js';
import { type DiffOptions, runDiff } from '../../src/diff/run-diff.js';
import { silentLogger } from '../../src/log.js';

/** Runs the diff engine as the command does, with test-friendly defaults (every key sampled). */
export function diffSchemas(
  backup: DbTarget,
  interim: DbTarget,
  more: Partial<DiffOptions> = {},
): Promise<DiffDocument> {
  return runDiff({
    backup,
    interim,
    tables: null,
    concurrency: 3,
    method: 'client',
    sampleLimit: 100_000,
    outDir: null,
    logger: silentLogger(),
    ...more,
  });
}

/** The named table's result; fails the test when it is missing. */
export function tableOf(doc: DiffDocument, name: string): TableDiffResult {
  const t = doc.tables.find((x) => x.table === name);
  if (!t) throw new Error(`no result for table ${JSON.stringify(name)}`);
  return t;
}

/** The counts of a table result, for toEqual. */
export function counts(t: TableDiffResult): Record<string, number> {
  return {
    identical: t.identical,
    changed: t.changed,
    onlyBackup: t.onlyBackup,
    onlyInterim: t.onlyInterim,
  };
}
