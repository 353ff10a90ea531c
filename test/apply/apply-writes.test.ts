import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/cell/cells.js';
import { connect } from '../../src/db/mysql.js';
import { runCli } from '../support/cli.js';
import { buildPlan, planDigests, schemaDigests, tableRows } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'reconcile-writes-'));
  dirs.push(d);
  return d;
}
const quiet = ['--log-level', 'warn'];

describe('how apply writes', () => {
  it('copies restored rows server-side with INSERT … SELECT when the backup shares the server', async () => {
    const shop = await makeShop(schemas, 'copy', 20);
    const backupRows = await tableRows(shop.backup, 'customer', 'id');
    const restore = backupRows.slice(10);
    // The plan's rows say one thing, the backup another: what lands shows where rows came from.
    const planned = restore.map((r) => ({ ...r, name: `plan says ${r.id}` }));
    const dir = await tmp();
    const plan = await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: planned.map((row) => ({ op: 'insert', row, copyOf: 'backup' })),
        },
      ],
    });
    const r = await runCli(['apply', '--plan', dir, '--execute', '--json', ...quiet]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      tables: { copied: number; inserted: number; copyNote: string }[];
    };
    expect(report.tables[0]).toMatchObject({ copied: 10, inserted: 0 });
    expect(report.tables[0]?.copyNote).toMatch(/^INSERT … SELECT from rt_copy_b_/);
    const landed = (await tableRows(shop.interim, 'customer', 'id')).filter(
      (x) => Number(x.id) > 10 && Number(x.id) <= 20,
    );
    expect(landed).toEqual(restore);
    // verify compares with what the plan promised, so it sees the difference.
    const v = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/customer\s+mismatch\s+22\s+22\s+MISMATCH/);
    expect(plan.tables[0]?.digestAfter).not.toEqual((await schemaDigests(shop.interim)).customer);
  });

  it('a live run sends restored rows as values where INSERT … SELECT would hold the AUTO-INC lock', async () => {
    const shop = await makeShop(schemas, 'lcopy', 20);
    const conn = await connect(shop.interim);
    const other = await connect(shop.interim);
    let mode: number;
    try {
      mode = Number(
        (await conn.query<{ m: number }>('SELECT @@innodb_autoinc_lock_mode AS m'))[0]?.m,
      );
      if (mode < 2) {
        // The hazard on this server: an INSERT … SELECT giving every id still holds the table's
        // AUTO-INC lock until it ends, so the application's insert waits for all of it.
        await conn.execute(
          'CREATE TABLE autoinc_probe (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB',
        );
        const long = conn.execute(
          'INSERT INTO autoinc_probe (id, v) SELECT 1000 + seq, CONCAT(seq, SLEEP(0.3)) FROM seq_1_to_4',
        );
        // The lock is taken at the first row written (0.3 s) and held to the end (1.2 s).
        await new Promise((r) => setTimeout(r, 500));
        const t0 = performance.now();
        await other.execute("INSERT INTO autoinc_probe (v) VALUES ('sign-up')");
        const waited = performance.now() - t0;
        await long;
        expect(waited).toBeGreaterThan(400);
        await conn.execute('DROP TABLE autoinc_probe');
      }
    } finally {
      await conn.close();
      await other.close();
    }
    const restore = (await tableRows(shop.backup, 'customer', 'id')).slice(10);
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: restore.map((row) => ({ op: 'insert', row, copyOf: 'backup' })),
        },
      ],
    });
    const r = await runCli(['apply', '--plan', dir, '--execute', '--live', '--json', ...quiet]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      tables: { copied: number; inserted: number; copyNote: string }[];
    };
    // Copied server-side, or sent as values (counted as inserted).
    expect(report.tables[0]).toMatchObject(
      mode < 2 ? { copied: 0, inserted: 10 } : { copied: 10, inserted: 0 },
    );
    expect(report.tables[0]?.copyNote).toMatch(
      mode < 2
        ? /^live: rows sent as values .*innodb_autoinc_lock_mode=/
        : /^INSERT … SELECT from /,
    );
    const landed = (await tableRows(shop.interim, 'customer', 'id')).filter(
      (x) => Number(x.id) > 10 && Number(x.id) <= 20,
    );
    expect(landed).toEqual(restore);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);
  });

  it('sends rows as values when the plan does not mark them as backup copies', async () => {
    const shop = await makeShop(schemas, 'vals', 20);
    const rows = (await tableRows(shop.backup, 'customer', 'id'))
      .slice(10)
      .map((r) => ({ ...r, name: `plan says ${r.id}` }));
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [{ table: 'customer', actions: rows.map((row) => ({ op: 'insert', row })) }],
    });
    const r = await runCli(['apply', '--plan', dir, '--execute', '--json', ...quiet]);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ copied: 0, inserted: 10 });
    expect((await runCli(['verify', '--plan', dir])).code).toBe(0);
    expect((await tableRows(shop.interim, 'customer', 'id')).slice(10, 20)).toEqual(rows);
  });

  it('stores an id of 0 as 0 (NO_AUTO_VALUE_ON_ZERO), not as the next counter value', async () => {
    const shop = await makeShop(schemas, 'zero', 20);
    const dir = await tmp();
    const row = {
      email: 'zero@shop.test',
      id: '0',
      name: 'zero',
      updated_at: '2020-01-01 00:00:00.000',
    };
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [{ table: 'customer', actions: [{ op: 'insert', row }] }],
    });
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);
    expect((await tableRows(shop.interim, 'customer', 'id'))[0]).toEqual(row);
  });

  it('remaps a colliding parent id and its children through transient orphans (foreign key checks off)', async () => {
    const shop = await makeShop(schemas, 'remap', 20);
    const dir = await tmp();
    const backupCustomer5 = (await tableRows(shop.backup, 'customer', 'id'))[4] as Row;
    // Say the interim's customer 5 is another person than the backup's: it moves to id 9005 (above every id: the counter must follow),
    // its orders follow, and the backup's customer 5 comes back.
    const plan = await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [
            { op: 'update', key: { id: '5' }, set: { id: '9005', email: 'moved5@shop.test' } },
            { op: 'insert', row: backupCustomer5, copyOf: 'backup' },
          ],
        },
        {
          table: 'orders',
          actions: [
            { op: 'update', key: { id: '9' }, set: { customer_id: '9005' } },
            { op: 'update', key: { id: '10' }, set: { customer_id: '9005' } },
          ],
        },
      ],
    });
    const r = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(r.stderr).toBe('');
    const v = await runCli(['verify', '--plan', dir, '--json', ...quiet]);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, checks: { references: 1 } });
    // The counter ends past the moved id.
    expect(JSON.parse(v.stdout).tables[0].autoIncrement).toMatchObject({
      actual: '9006',
      max: '9005',
    });
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'after'));
    expect((await runCli(['rollback', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect(await schemaDigests(shop.interim)).toMatchObject(planDigests(plan, 'before'));
  });

  it('addresses BIGINT keys exactly, past 2^53 (no trip through a double)', async () => {
    const b = await schemas.create('bigkey_b');
    const t = await schemas.create('bigkey_i');
    const ddl = 'CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, v INT);';
    const rows = '(9007199254740992, 1), (9007199254740993, 2), (18446744073709551615, 3)';
    await sql(b, `${ddl} INSERT INTO big VALUES ${rows};`);
    await sql(t, `${ddl} INSERT INTO big VALUES ${rows};`);
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: b,
      interim: t,
      tables: [
        {
          table: 'big',
          actions: [
            { op: 'delete', key: { id: '9007199254740993' } },
            { op: 'update', key: { id: '18446744073709551615' }, set: { v: '30' } },
          ],
        },
      ],
    });
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect(await tableRows(t, 'big', 'id')).toEqual([
      { id: '9007199254740992', v: '1' },
      { id: '18446744073709551615', v: '30' },
    ]);
    expect((await runCli(['rollback', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect((await tableRows(t, 'big', 'id')).map((r) => r.v)).toEqual(['1', '2', '3']);
  });

  it('addresses ENUM, BIT, DECIMAL, FLOAT and DOUBLE key columns exactly', async () => {
    const b = await schemas.create('keytypes_b');
    const t = await schemas.create('keytypes_i');
    const ddl = `CREATE TABLE k (e ENUM('x','y','z') NOT NULL, b BIT(10) NOT NULL,
      d DECIMAL(30,10) NOT NULL, f FLOAT NOT NULL, g DOUBLE NOT NULL, v INT, PRIMARY KEY (e, b, d, f, g));`;
    const rows = `('y', b'1000000011', 12345678901234567890.0123456789, 1.1, 0.1, 1),
      ('y', b'1000000011', 12345678901234567890.0123456788, 1.1, 0.1, 2),
      ('x', b'0', -0.5, -2.5, 1e-300, 3), ('z', b'1', 0, 3.25, -7, 4)`;
    await sql(b, `${ddl} INSERT INTO k VALUES ${rows};`);
    await sql(t, `${ddl} INSERT INTO k VALUES ${rows};`);
    const [r1, r2] = await tableRows(t, 'k', 'v');
    const key = (r: Row): Row => ({
      b: r.b ?? null,
      d: r.d ?? null,
      e: r.e ?? null,
      f: r.f ?? null,
      g: r.g ?? null,
    });
    const dir = await tmp();
    await buildPlan({
      dir,
      backup: b,
      interim: t,
      tables: [
        {
          table: 'k',
          actions: [
            { op: 'delete', key: key(r2 as Row) },
            { op: 'update', key: key(r1 as Row), set: { v: '10' } },
          ],
        },
      ],
    });
    const r = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(r.stderr).toBe('');
    expect((await tableRows(t, 'k', 'v')).map((x) => x.v)).toEqual(['3', '4', '10']);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);
    expect((await runCli(['rollback', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect((await tableRows(t, 'k', 'v')).map((x) => x.v)).toEqual(['1', '2', '3', '4']);
  });

  const ODD = 'odd `name`; DROP TABLE x';
  const TYPES = `
    \`k 1\` VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL,
    k2 INT NOT NULL,
    big BIGINT UNSIGNED NULL,
    dec_ DECIMAL(30,10) NULL,
    dt DATETIME(6) NULL,
    ts TIMESTAMP(6) NULL DEFAULT NULL,
    bits BIT(12) NULL,
    bin VARBINARY(16) NULL,
    blb BLOB NULL,
    js JSON NULL,
    en ENUM('a','b','c') NULL,
    st SET('x','y','z') NULL,
    fl FLOAT NULL,
    db DOUBLE NULL,
    pt POINT NULL,
    gen INT AS (k2 * 2) VIRTUAL`;
  const ROWS = [
    `('Ab', 1, 18446744073709551615, -12345678901234567890.0123456789, '2020-02-23 19:00:00.000001', '2020-02-23 11:00:00.5', b'101010101010', x'00ff00', x'deadbeef', '{"z": 1, "a": [9007199254740993, "é"]}', 'b', 'x,z', 1.1, 0.1, POINT(1.5, -2))`,
    `('ab ', 2, 0, 0, NULL, NULL, b'0', x'', x'', 'null', 'a', '', -0.5, 1e300, NULL)`,
    `('Ωmega', 3, NULL, NULL, '1000-01-01 00:00:00', '1970-01-01 00:00:01', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    `('tab\\tnew\\nline', 4, 42, 3.5, '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', b'1', x'01', x'00', '"text"', 'c', 'y', 3.25, -2.5e-300, POINT(0, 0))`,
  ];

  it('writes every type exactly, in a table whose name needs quoting, with and without a key; rollback is exact', async () => {
    const backup = await schemas.create('types_b');
    const interim = await schemas.create('types_i');
    const q = '`odd ``name``; DROP TABLE x`';
    await sql(
      backup,
      `CREATE TABLE ${q} (${TYPES}, PRIMARY KEY (\`k 1\`, k2)); CREATE TABLE bag (${TYPES});
       INSERT INTO ${q} (\`k 1\`, k2, big, dec_, dt, ts, bits, bin, blb, js, en, st, fl, db, pt) VALUES ${ROWS.join(',')};`,
    );
    await sql(
      interim,
      `CREATE TABLE ${q} (${TYPES}, PRIMARY KEY (\`k 1\`, k2)); CREATE TABLE bag (${TYPES});
       INSERT INTO ${q} (\`k 1\`, k2, big, dec_, dt, ts, bits, bin, blb, js, en, st, fl, db, pt) VALUES ${ROWS[0]}, ${ROWS[1]}, ('gone', 9, 1, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
       UPDATE ${q} SET big = 7, js = '{"edited": true}', pt = POINT(9, 9) WHERE k2 = 2;
       INSERT INTO bag (\`k 1\`, k2, big, dec_, dt, ts, bits, bin, blb, js, en, st, fl, db, pt) VALUES ${ROWS[0]}, ${ROWS[0]}, ${ROWS[1]}, ${ROWS[2]};`,
    );
    const b = await tableRows(backup, ODD, 'k2');
    const bag = await tableRows(interim, 'bag', 'k2');
    const key = (r: Row): Row => ({ 'k 1': r['k 1'] ?? null, k2: r.k2 ?? null });
    const dir = await tmp();
    const plan = await buildPlan({
      dir,
      backup,
      interim,
      tables: [
        {
          table: ODD,
          actions: [
            { op: 'delete', key: { 'k 1': 'gone', k2: '9' } },
            { op: 'update', key: key(b[1] as Row), row: b[1] as Row },
            { op: 'insert', row: b[2] as Row },
            { op: 'insert', row: b[3] as Row, copyOf: 'backup' },
          ],
        },
        {
          table: 'bag',
          actions: [
            { op: 'delete', key: {}, before: bag[0] as Row },
            {
              op: 'update',
              key: {},
              before: bag[2] as Row,
              row: { ...(bag[2] as Row), en: 'c', bits: { hex: '0fff' } },
            },
            { op: 'insert', row: b[3] as Row },
            { op: 'insert', row: b[3] as Row },
          ],
        },
      ],
    });
    const beforeDigests = await schemaDigests(interim);
    expect(beforeDigests).toEqual(planDigests(plan, 'before'));
    const r = await runCli(['apply', '--plan', dir, '--execute', '--json', ...quiet]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).tables).toMatchObject([
      { table: ODD, copied: 1, inserted: 1, updated: 1, deleted: 1 },
      { table: 'bag', copied: 0, inserted: 2, updated: 1, deleted: 1 },
    ]);
    const v = await runCli(['verify', '--plan', dir, ...quiet]);
    expect(v.stdout).toContain('ok: all 2 tables');
    expect(await tableRows(interim, ODD, 'k2')).toEqual(b);
    const rb = await runCli(['rollback', '--plan', dir, '--execute', ...quiet]);
    expect(rb.code).toBe(0);
    expect(await schemaDigests(interim)).toEqual(beforeDigests);
  });
});
