import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/cell/cells.js';
import type { DbTarget } from '../../src/db/url.js';
import { runCli } from '../support/cli.js';
import { buildPlan, tableRows } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Restored ids that are not consecutive (every other id, say) cannot be copied by a range of
 * consecutive keys. When the backup holds nothing else between the batch's smallest and largest
 * key, apply copies the whole span with one range scan; when it does hold other rows, it must
 * fall back to the key list and copy exactly the planned rows.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const DDL = 'CREATE TABLE item (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL);';
const ids = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) out.push(i);
  return out;
};
const values = (list: number[]): string => list.map((i) => `(${i}, 'v${i}')`).join(', ');

async function restoreOdd(
  label: string,
  backupIds: number[],
): Promise<{ interim: DbTarget; report: { tables: { copied: number; copySpans: number }[] } }> {
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  await sql(backup, `${DDL} INSERT INTO item VALUES ${values(backupIds)};`);
  await sql(interim, `${DDL} INSERT INTO item VALUES (100000, 'interim');`);
  const restored: Row[] = ids(1, 399, 2).map((i) => ({ id: String(i), v: `v${i}` }));
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-span-'));
  dirs.push(dir);
  await buildPlan({
    dir,
    backup,
    interim,
    tables: [
      { table: 'item', actions: restored.map((row) => ({ op: 'insert', row, copyOf: 'backup' })) },
    ],
  });
  const r = await runCli(['apply', '--plan', dir, '--execute', '--json', '--log-level', 'warn']);
  expect(r.code, r.stderr).toBe(0);
  expect((await runCli(['verify', '--plan', dir, '--log-level', 'warn'])).code).toBe(0);
  const rows = await tableRows(interim, 'item', 'id');
  expect(rows.map((x) => x.id)).toEqual([...restored.map((x) => x.id), '100000']);
  return { interim, report: JSON.parse(r.stdout) };
}

describe('copying restored rows whose ids are not consecutive', () => {
  it('copies the span with one range scan when the backup holds only those rows in it', async () => {
    const { report } = await restoreOdd('span', ids(1, 399, 2));
    expect(report.tables[0]).toMatchObject({ copied: 200, copySpans: 1 });
  });

  it('copies exactly the listed keys when the backup holds other rows in between', async () => {
    const { report } = await restoreOdd('nospan', ids(1, 400, 1));
    expect(report.tables[0]).toMatchObject({ copied: 200, copySpans: 0 });
  });
});
