import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_TABLE } from '../../src/apply/journal.js';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { loadVerifiedPlan } from '../../src/plan/plan-files.js';
import type { RehearseReport } from '../../src/rehearse/rehearse-plan.js';
import { notWarnings, runCli } from '../support/cli.js';
import { schemaDigests } from '../support/plan-builder.js';
import { digestsIn, digestsOf, rowsOf, runPlanSql } from '../support/plan-sql.js';
import { listScenarios, loadScenario } from '../support/scenario.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * The round trip on every scenario folder, through the command line as a DBA runs it:
 * plan → rehearse (on a scratch copy: the target unchanged) → apply → verify → a fresh diff of
 * the target against the expected dataset (the interim with the plan's plan.sql run by the
 * mysql client: the same plan, executed independently of apply) shows no difference.
 * A plan with unresolved actions is refused by rehearse and apply (exit 3), target unchanged.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const quiet = ['--log-level', 'warn'];

async function baseTables(t: DbTarget): Promise<string[]> {
  const c = await connect(t);
  try {
    const rows = await c.query<{ n: string }>(
      "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ? ORDER BY TABLE_NAME",
      [t.schema, JOURNAL_TABLE],
    );
    return rows.map((r) => r.n);
  } finally {
    await c.close();
  }
}

const folders = await listScenarios();

describe.each(folders.map((d) => [d.split('/').pop() as string, d]))(
  'round trip %s',
  (name, folder) => {
    it('plan → rehearse → apply → verify → diff against the expected dataset', async () => {
      const s = await loadScenario(folder);
      const label = `rt${name.replace(/[^a-z0-9]/gi, '').slice(0, 10)}`;
      const backup = await schemas.create(`${label}_b`);
      const interim = await schemas.create(`${label}_i`);
      const expected = await schemas.create(`${label}_e`);
      await sql(backup, s.backupSql);
      await sql(interim, s.interimSql);
      await sql(expected, s.interimSql);
      const work = await tempDir(label);
      dirs.push(work);
      const configFile = join(work, 'config.yaml');
      await writeFile(configFile, s.configText);
      const dir = join(work, 'plan');

      const planned = await runCli([
        'plan',
        '--config',
        configFile,
        '--backup',
        urlOf(backup.schema),
        '--interim',
        urlOf(interim.schema),
        '--out',
        dir,
        ...quiet,
      ]);
      // Nothing on stderr but the plan's warnings (each also in plan.json).
      expect(notWarnings(planned.stderr)).toEqual([]);
      const warnings = planned.stderr.split('\n').filter((l) => l.length > 0);
      expect(planned.code).toBe(0);
      const manifest: PlanManifest = await loadVerifiedPlan(dir);
      expect(manifest.tables.flatMap((t) => t.warnings)).toHaveLength(warnings.length);
      const before = await schemaDigests(interim);
      const triggers = manifest.needsAllowTriggers ? ['--allow-triggers'] : [];

      if (manifest.unresolved > 0) {
        for (const cmd of [['rehearse'], ['apply', '--execute']]) {
          const r = await runCli([...cmd, '--plan', dir, ...triggers, ...quiet]);
          expect(r.stderr).toMatch(
            /^reconcile: the plan has \d+ unresolved actions? .*decide them in the config/,
          );
          expect(r.code).toBe(3);
        }
        expect(await schemaDigests(interim)).toEqual(before);
        return;
      }

      const rehearsal = await runCli(['rehearse', '--plan', dir, '--json', ...triggers, ...quiet]);
      expect(rehearsal.stderr).toBe('');
      const report = JSON.parse(rehearsal.stdout) as RehearseReport;
      expect(report.verify.tables.filter((t) => t.status !== 'ok')).toEqual([]);
      expect(rehearsal.code).toBe(0);
      expect(await schemaDigests(interim)).toEqual(before);

      const applied = await runCli(['apply', '--plan', dir, '--execute', ...triggers, ...quiet]);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      const verified = await runCli(['verify', '--plan', dir, ...quiet]);
      expect(verified.stdout).toMatch(/ok: all \d+ tables hold what the plan promised/);
      expect(verified.code).toBe(0);
      expect(await digestsOf(interim, manifest)).toEqual(digestsIn(manifest, 'digestAfter'));

      await runPlanSql(dir, expected);
      const tables = await baseTables(expected);
      const diff = await runCli([
        'diff',
        '--backup',
        urlOf(expected.schema),
        '--interim',
        urlOf(interim.schema),
        '--tables',
        tables.join(','),
        '--json',
        ...quiet,
      ]);
      const doc = JSON.parse(diff.stdout) as { totals: Record<string, number> };
      expect(doc.totals).toMatchObject({
        changed: 0,
        onlyBackup: 0,
        onlyInterim: 0,
        tablesWithDifferences: 0,
      });
      expect(diff.code).toBe(0);
      for (const [table, et] of Object.entries(s.expected.tables)) {
        if (!et.rows || !et.columns) continue;
        const key = manifest.tables.find((x) => x.table === table)?.key ?? [];
        const sorted = (r: readonly (readonly (string | null)[])[]) =>
          key.length > 0
            ? r
            : [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
        expect(sorted(await rowsOf(interim, table, et.columns, key)), `${table} rows`).toEqual(
          sorted(et.rows),
        );
      }
    });
  },
);
