import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { digestColumns } from '../../src/hash/digest.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type SqlTableShape, writePlanSql } from '../../src/plan/render-sql.js';
import { runCli } from '../support/cli.js';
import { buildPlan, tableRows } from '../support/plan-builder.js';
import { runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * A row of a table without a key is addressed by all its values. Stored values can be written
 * differently from the plan's canonical cells (MariaDB keeps JSON as typed: spaces, key order),
 * and a BIT column compares with a byte string as text: apply and plan.sql must both find the
 * row the plan means, the same way.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const DDL = `CREATE TABLE log (doc JSON, flags BIT(8), note VARCHAR(10));
  INSERT INTO log VALUES ('{"b": 1,  "a": [2, 3]}', b'00000101', 'x'), ('[1, 2]', b'00000011', 'y');`;

async function planDeletingFirstRow(
  label: string,
): Promise<{ t: DbTarget; dir: string; m: PlanManifest }> {
  const b = await schemas.create(`${label}_b`);
  const t = await schemas.create(`${label}_i`);
  await sql(b, DDL);
  await sql(t, DDL);
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-exact-'));
  dirs.push(dir);
  const m = await buildPlan({
    dir,
    backup: b,
    interim: t,
    tables: [
      {
        table: 'log',
        actions: [
          {
            op: 'delete',
            key: {},
            before: { doc: '{"a":[2,3],"b":1}', flags: { hex: '05' }, note: 'x' },
          },
        ],
      },
    ],
  });
  return { t, dir, m };
}

describe('rows of a table without a key, addressed by value', () => {
  it('apply deletes the row whose JSON is stored with other spacing and key order', async () => {
    const { t, dir } = await planDeletingFirstRow('exa');
    const r = await runCli(['apply', '--plan', dir, '--execute', '--log-level', 'warn']);
    expect(r.code, r.stderr).toBe(0);
    expect((await tableRows(t, 'log', 'note')).map((x) => x.note)).toEqual(['y']);
    expect((await runCli(['verify', '--plan', dir, '--log-level', 'warn'])).code).toBe(0);
  });

  it('plan.sql deletes the same row, and only it', async () => {
    const { t, dir, m } = await planDeletingFirstRow('exs');
    const c = await connect(t);
    try {
      const table = (await introspectSchema(c, t.schema)).tables.get('log');
      if (!table) throw new Error('no table');
      const shapes = new Map<string, SqlTableShape>([
        ['log', { columns: digestColumns(table), key: [], autoIncrementNow: null }],
      ]);
      await writePlanSql(dir, m, shapes, c.server.flavor);
    } finally {
      await c.close();
    }
    await runPlanSql(dir, t);
    expect((await tableRows(t, 'log', 'note')).map((x) => x.note)).toEqual(['y']);
  });
});
