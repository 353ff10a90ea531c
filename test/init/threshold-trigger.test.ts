import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import type { DbTarget } from '../../src/db/url.js';
import type { InitDocument } from '../../src/init/proposal-types.js';
import { runCli } from '../support/cli.js';
import { fixtureText } from '../support/init-fixture.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * What init says about a trigger, and what `--min-inclusion` changes: on one fixture,
 * orders.warehouse_id holds 97 of its 100 distinct values in warehouses, and the interim has a
 * trigger on orders that the backup lacks.
 */
const schemas = new TestSchemas();
const quiet = ['--log-level', 'warn'];
let backup: DbTarget;
let interim: DbTarget;
let work: string;

beforeAll(async () => {
  backup = await schemas.create('initthr_b');
  interim = await schemas.create('initthr_i');
  const text = await fixtureText('threshold-trigger', 'backup.sql');
  await sql(backup, text);
  await sql(interim, text);
  await sql(interim, await fixtureText('threshold-trigger', 'interim-trigger.sql'));
  work = await tempDir('init-threshold');
});
afterAll(async () => {
  await schemas.drop();
  await rm(work, { recursive: true, force: true });
});

/** init with `extra` flags: its --json document and the YAML it wrote to --out. */
async function init(label: string, extra: string[]): Promise<{ doc: InitDocument; yaml: string }> {
  const out = join(work, `${label}.yaml`);
  const r = await runCli([
    'init',
    '--backup',
    urlOf(backup.schema),
    '--interim',
    urlOf(interim.schema),
    '--json',
    '--out',
    out,
    ...extra,
    ...quiet,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { doc: JSON.parse(r.stdout) as InitDocument, yaml: await readFile(out, 'utf8') };
}

/** Every reference proposal as `table.column → parent: enabled|commented`. */
function verdicts(doc: InitDocument): string[] {
  return doc.tables.flatMap((t) =>
    t.references.map(
      (r) =>
        `${t.table}.${r.columns.join(',')} → ${r.parent}: ${r.enabled ? 'enabled' : 'commented'}`,
    ),
  );
}

describe('init on a table with a trigger', () => {
  it('lists the trigger, with its side, in the YAML and in --json', async () => {
    const { doc, yaml } = await init('trigger', []);
    const orders = doc.tables.find((t) => t.table === 'orders');
    expect(orders?.triggers).toEqual([
      { side: 'interim', name: 'orders_log', timing: 'AFTER', event: 'INSERT' },
    ]);
    for (const t of doc.tables.filter((x) => x.table !== 'orders')) {
      expect(t.triggers, t.table).toEqual([]);
    }
    // The note sits in the comment block above the table's entry.
    const lines = yaml.split('\n');
    const at = lines.indexOf(
      '  #   trigger orders_log AFTER INSERT (interim): apply refuses to write the table while it fires, unless --allow-triggers',
    );
    expect(at).toBeGreaterThan(0);
    expect(
      lines
        .slice(0, at)
        .reverse()
        .find((l) => /^ {2}# \w+: key /.test(l)),
    ).toMatch(/^ {2}# orders: key primary \(id\)/);
    expect(yaml.match(/trigger /g)).toHaveLength(1);
  });
});

describe('--min-inclusion', () => {
  it('decides what is enabled and what is written commented out', async () => {
    const strict = await init('strict', []);
    const loose = await init('loose', ['--min-inclusion', '95%']);
    expect([strict.doc.settings.minInclusion, loose.doc.settings.minInclusion]).toEqual([
      0.99, 0.95,
    ]);
    const warehouse = (d: InitDocument) =>
      d.tables
        .find((t) => t.table === 'orders')
        ?.references.find((r) => r.columns[0] === 'warehouse_id');
    // Measured the same both times: 97 of 100 distinct values found.
    for (const d of [strict.doc, loose.doc]) {
      expect(warehouse(d)?.inclusion).toMatchObject({
        kind: 'measured',
        value: { tested: 100, found: 97 },
      });
    }
    expect(warehouse(strict.doc)).toMatchObject({
      enabled: false,
      why: 'not enabled: below --min-inclusion 99.0%',
    });
    expect(warehouse(loose.doc)).toMatchObject({ enabled: true });
    // That proposal, and no other, changes.
    const a = verdicts(strict.doc);
    const b = verdicts(loose.doc);
    expect(a.filter((v) => !b.includes(v))).toEqual([
      'orders.warehouse_id → warehouses: commented',
    ]);
    expect(b.filter((v) => !a.includes(v))).toEqual(['orders.warehouse_id → warehouses: enabled']);
    expect(loose.doc.totals.referencesEnabled).toBe(strict.doc.totals.referencesEnabled + 1);
    // In the YAML: commented out with its evidence, then enabled; the header states the threshold.
    const evidence =
      'warehouse_id: warehouses.id # named after the table and its key; 97.0% of 100 distinct values found in warehouses(id), from all 100 rows';
    expect(strict.yaml).toContain(
      '      # warehouse_id: warehouses.id # not enabled: below --min-inclusion 99.0%; 97.0% of 100 distinct values found in warehouses(id), from all 100 rows',
    );
    expect(loose.yaml).toContain(`\n      ${evidence}\n`);
    expect(strict.yaml).toContain('# least 99.0% of its distinct values');
    expect(loose.yaml).toContain('# least 95.0% of its distinct values');
    const refs = (yaml: string) =>
      buildPlanConfig(parseConfigText(yaml, 'init'), {}, 'init', {}).tables.orders?.references.map(
        (r) => `${r.column} → ${r.table}.${r.refColumn}`,
      );
    expect(refs(strict.yaml)).toEqual(['customer_id → customers.id']);
    expect(refs(loose.yaml)).toEqual([
      'customer_id → customers.id',
      'warehouse_id → warehouses.id',
    ]);
  });
});
