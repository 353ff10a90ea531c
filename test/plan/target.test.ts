import { afterAll, describe, expect, it } from 'vitest';
import { PreconditionError } from '../../src/errors.js';
import { loadInto, planLoaded } from '../support/plan-fixture.js';
import { digestsIn, digestsOf, rowsOf, runPlanSql } from '../support/plan-sql.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

const TABLES: Record<string, { columns: string[]; key: string[] }> = {
  customer: { columns: ['id', 'email', 'name', 'created_at'], key: ['id'] },
  rental: { columns: ['id', 'customer_id', 'film', 'created_at'], key: ['id'] },
  payment: { columns: ['id', 'rental_id', 'customer_id', 'amount', 'created_at'], key: ['id'] },
};

describe('plan into another schema (--target)', () => {
  it('from a copy of the interim or of the backup, the merged rows are the same as in place', async () => {
    const l = await loadInto(schemas, 'collisions-chain', 'tgt');
    const copyOfInterim = await schemas.create('tgt_ci');
    const copyOfBackup = await schemas.create('tgt_cb');
    const inPlaceCopy = await schemas.create('tgt_ip');
    await sql(copyOfInterim, l.scenario.interimSql);
    await sql(copyOfBackup, l.scenario.backupSql);
    await sql(inPlaceCopy, l.scenario.interimSql);

    const inPlace = await planLoaded(l);
    const fromInterim = await planLoaded(l, { flags: { target: urlOf(copyOfInterim.schema) } });
    const fromBackup = await planLoaded(l, { flags: { target: urlOf(copyOfBackup.schema) } });
    expect(inPlace.manifest.inPlace).toBe(true);
    expect(fromInterim.manifest.inPlace).toBe(false);
    expect(fromInterim.manifest.sources.target.schema).toBe(copyOfInterim.schema);
    expect(fromBackup.manifest.tables.map((t) => t.policy.base)).toEqual([
      'backup',
      'backup',
      'backup',
    ]);
    // A copy of the interim is planned exactly like the interim itself.
    expect(fromInterim.manifest.tables.map((t) => [t.fileSha256, t.digestAfter])).toEqual(
      inPlace.manifest.tables.map((t) => [t.fileSha256, t.digestAfter]),
    );
    // From the backup's rows the actions differ, but the merged table is the same.
    expect(fromBackup.manifest.totals.insert).not.toBe(inPlace.manifest.totals.insert);
    expect(fromBackup.manifest.tables.map((t) => t.digestAfter)).toEqual(
      inPlace.manifest.tables.map((t) => t.digestAfter),
    );

    await runPlanSql(inPlace.dir, inPlaceCopy);
    await runPlanSql(fromInterim.dir, copyOfInterim);
    await runPlanSql(fromBackup.dir, copyOfBackup);
    for (const [t, r] of [
      [copyOfInterim, fromInterim],
      [copyOfBackup, fromBackup],
      [inPlaceCopy, inPlace],
    ] as const) {
      expect(await digestsOf(t, r.manifest)).toEqual(digestsIn(r.manifest, 'digestAfter'));
    }
    for (const [table, s] of Object.entries(TABLES)) {
      const expected = await rowsOf(inPlaceCopy, table, s.columns, s.key);
      expect(await rowsOf(copyOfBackup, table, s.columns, s.key)).toEqual(expected);
      expect(await rowsOf(copyOfInterim, table, s.columns, s.key)).toEqual(expected);
    }
  });

  it('refuses a target that holds neither side’s rows, naming the table', async () => {
    const l = await loadInto(schemas, 'collisions-chain', 'tgx');
    const other = await schemas.create('tgx_o');
    await sql(other, `${l.scenario.interimSql} DELETE FROM payment WHERE id = 5;`);
    const err = await planLoaded(l, { flags: { target: urlOf(other.schema) } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toMatch(
      /payment: the target holds neither the interim's rows nor the backup's/,
    );
  });
});
