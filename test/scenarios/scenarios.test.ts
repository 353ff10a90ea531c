import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/log.js';
import { readActions } from '../../src/plan/plan-files.js';
import { runPlan } from '../../src/plan/run-plan.js';
import { digestsIn, digestsOf, rowsOf, runPlanSql } from '../support/plan-sql.js';
import { listScenarios, loadScenario } from '../support/scenario.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const dirs = await listScenarios();

describe.each(dirs.map((d) => [d.split('/').pop() as string, d]))('scenario %s', (name, dir) => {
  it('plans as expected, and plan.sql run by the client gives the after digests and rows', async () => {
    const s = await loadScenario(dir);
    const label = name.replace(/[^a-z0-9]/gi, '').slice(0, 12);
    const backup = await schemas.create(`${label}_b`);
    const interim = await schemas.create(`${label}_i`);
    const copy = await schemas.create(`${label}_c`);
    await sql(backup, s.backupSql);
    await sql(interim, s.interimSql);
    await sql(copy, s.interimSql);

    const config = buildPlanConfig(
      parseConfigText(s.configText, `${name}/config.yaml`),
      { backup: urlOf(backup.schema), interim: urlOf(interim.schema) },
      `${name}/config.yaml`,
    );
    const out = join(await tempDir(label), 'plan');
    // Tiny chunks: results cross many chunk boundaries.
    const { manifest } = await runPlan({
      config,
      outDir: out,
      force: false,
      concurrency: 2,
      logger: silentLogger(),
      chunkRows: 2,
    });

    const e = s.expected;
    if (e.unresolved !== undefined) expect(manifest.unresolved).toBe(e.unresolved);
    if (e.order) expect(manifest.order).toEqual(e.order);
    if (e.remaps) expect(manifest.remaps).toMatchObject(e.remaps);
    if (e.skipped) expect(manifest.skipped.map((x) => x.table)).toEqual(e.skipped);
    if (e.needsAllowTriggers !== undefined)
      expect(manifest.needsAllowTriggers).toBe(e.needsAllowTriggers);
    for (const [table, et] of Object.entries(e.tables)) {
      const t = manifest.tables.find((x) => x.table === table);
      expect(t, `table ${table} in the plan`).toBeDefined();
      if (!t) continue;
      if (et.counts) expect(t.counts, `${table} counts`).toMatchObject(et.counts);
      if (et.actions) expect(t.actions, `${table} actions`).toMatchObject(et.actions);
      if (et.autoIncrement !== undefined)
        expect(t.autoIncrement?.next ?? null).toBe(et.autoIncrement);
      if (et.unresolved) {
        const reasons: string[] = [];
        for await (const a of readActions(out, t.file))
          if (a.op === 'unresolved') reasons.push(a.reason);
        expect(reasons.length).toBe(et.unresolved.length);
        for (const [n, r] of et.unresolved.entries()) expect(reasons[n]).toContain(r);
      }
      if (et.warnings) {
        expect(t.warnings.length, `${table} warnings: ${t.warnings.join(' | ')}`).toBe(
          et.warnings.length,
        );
        for (const [n, r] of et.warnings.entries()) expect(t.warnings[n]).toContain(r);
      }
      if (et.notes) {
        expect(t.notes.length).toBe(et.notes.length);
        for (const [n, r] of et.notes.entries()) expect(t.notes[n]).toContain(r);
      }
    }

    // The copy is the interim exactly; plan.sql takes it to the after digests.
    expect(await digestsOf(copy, manifest)).toEqual(digestsIn(manifest, 'digestBefore'));
    await runPlanSql(out, copy);
    expect(await digestsOf(copy, manifest)).toEqual(digestsIn(manifest, 'digestAfter'));
    for (const [table, et] of Object.entries(e.tables)) {
      if (!et.rows || !et.columns) continue;
      const key = manifest.tables.find((x) => x.table === table)?.key ?? [];
      const rows = await rowsOf(copy, table, et.columns, key);
      // A table without a key has no order: compare its rows as a sorted list.
      const sorted = (r: readonly (readonly (string | null)[])[]) =>
        key.length > 0
          ? r
          : [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      expect(sorted(rows), `${table} rows`).toEqual(sorted(et.rows));
    }
  });
});
