import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRowsExact } from '../../src/apply/keyless-delete.js';
import { cellFromRaw } from '../../src/cell/cell-codec.js';
import type { Cell } from '../../src/cell/cells.js';
import { connect } from '../../src/db/mysql.js';
import type { Connection } from '../../src/db/types.js';
import type { DbTarget } from '../../src/db/url.js';
import { digestColumns } from '../../src/hash/digest.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import { rowHash, rowHashExpr } from '../../src/sql/keyless.js';
import { insertValues, type TableShape } from '../../src/sql/statements.js';
import { runCli } from '../support/cli.js';
import { buildPlan, planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Rows of a table without a key are deleted by one scan that names them by a hash of their
 * values (sql/keyless.ts), not by one scan per row. The hash the client computes from the
 * plan's cells must be the one the server computes from the stored row, on every type.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function shapeOf(c: Connection, t: DbTarget, table: string): Promise<TableShape> {
  const info = (await introspectSchema(c, t.schema, [table])).tables.get(table);
  if (!info) throw new Error(`no table ${table}`);
  const columns = digestColumns(info);
  return { schema: t.schema, name: table, columns, key: [], flavor: c.server.flavor };
}

async function cellsOf(c: Connection, sh: TableShape): Promise<Cell[][]> {
  const cols = sh.columns.map((x) => `\`${x.name}\``).join(', ');
  const rows = await c.rawRows(`SELECT ${cols} FROM \`${sh.schema}\`.\`${sh.name}\``);
  return rows.map((r) => sh.columns.map((x, i) => cellFromRaw(x.family, r[i] ?? null)));
}

const MATRIX = `CREATE TABLE m (
  i INT NULL, u BIGINT UNSIGNED NULL, d DECIMAL(20,6) NULL, f FLOAT NULL, g DOUBLE NULL,
  dt DATE NULL, ts TIMESTAMP(3) NULL, dtm DATETIME(6) NULL, tm TIME(2) NULL, y YEAR NULL,
  c CHAR(5) NULL, v VARCHAR(20) CHARACTER SET latin1 NULL, t TEXT NULL,
  e ENUM('a','b') NULL, s SET('x','y') NULL, bin BINARY(4) NULL, vb VARBINARY(8) NULL,
  bl BLOB NULL, bt BIT(10) NULL, j JSON NULL, gen INT AS (i + 1) VIRTUAL
);
INSERT INTO m (i,u,d,f,g,dt,ts,dtm,tm,y,c,v,t,e,s,bin,vb,bl,bt,j) VALUES
  (1, 18446744073709551615, -12.5, 1.1, 0.1, '2020-02-29', '2020-01-01 00:00:00.5', '1999-12-31 23:59:59.999999', '-838:59:59', 1901, 'ab', 'Ünï ', 'emoji 😀', 'a', 'x,y', X'00010203', X'', X'FF00', b'1010101010', '{"b": 1,  "a": [2, 3]}'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (0, 0, 0, -0.0, 1e300, '1000-01-01', NULL, '2038-01-19 03:14:07', '00:00:00', 2155, '', '', '', 'b', '', X'00000000', X'00', X'', b'0', 'null'),
  (-2147483648, 1, 0.000001, 3.40282e38, -1.5e-300, '9999-12-31', '2038-01-19 03:14:07.999', NULL, '838:59:59.99', 2000, 'A', 'a', 'NULL', NULL, 'y', NULL, X'61', NULL, b'1', '[1, 2]');`;

describe('keyless rows named by a hash', () => {
  it('the client hash of the cells is the server hash of the stored row, on every type', async () => {
    const t = await schemas.create('kh');
    await sql(t, MATRIX);
    const c = await connect(t);
    try {
      const sh = await shapeOf(c, t, 'm');
      const cols = sh.columns.map((x) => `\`${x.name}\``).join(', ');
      const rows = await c.rawRows(`SELECT ${rowHashExpr(sh)}, ${cols} FROM m`);
      expect(rows).toHaveLength(4);
      for (const r of rows) {
        const cells = sh.columns.map((x, i) => cellFromRaw(x.family, r[i + 1] ?? null));
        expect(rowHash(sh, cells)).toBe(r[0]?.toString());
      }
      // and every row is found and deleted by its cells, the JSON as canonical text
      const all = await cellsOf(c, sh);
      await c.execute('START TRANSACTION');
      expect(await deleteRowsExact(c, sh, all)).toEqual([]);
      expect(await cellsOf(c, sh)).toEqual([]);
      await c.execute('ROLLBACK');
    } finally {
      await c.close();
    }
  });

  it('deletes exactly the copies listed, puts back the rest, and reports what it did not find', async () => {
    const t = await schemas.create('kc');
    await sql(
      t,
      `CREATE TABLE k (a VARCHAR(10) NULL, n INT NULL, j JSON NULL);
       INSERT INTO k VALUES ('x', 1, '{"p": 1}'), ('x', 1, '{"p": 1}'), ('x', 1, '{"p": 1}'),
         ('x', 1, '{"p": 2}'), (NULL, NULL, NULL), ('X', 1, '{"p": 1}'), ('x ', 1, '{"p": 1}');`,
    );
    const c = await connect(t);
    try {
      const sh = await shapeOf(c, t, 'k'); // columns a, j, n
      const x1: Cell[] = ['x', '{"p":1}', '1'];
      const missing = await deleteRowsExact(c, sh, [x1, [null, null, null], x1, ['z', null, '1']]);
      expect(missing).toEqual([3]);
      const left = (await cellsOf(c, sh)).map((r) => JSON.stringify(r)).sort();
      expect(left).toEqual(
        [
          ['X', '{"p": 1}', '1'],
          ['x', '{"p": 1}', '1'],
          ['x', '{"p": 2}', '1'],
          ['x ', '{"p": 1}', '1'],
        ]
          .map((r) => JSON.stringify(r))
          .sort(),
      );
    } finally {
      await c.close();
    }
  });

  it('costs about one scan of the table, however many rows go', async () => {
    const t = await schemas.create('ks');
    await sql(t, 'CREATE TABLE big (who VARCHAR(20) NULL, n INT NULL, note TEXT NULL);');
    const c = await connect(t);
    try {
      const sh = await shapeOf(c, t, 'big');
      const rows: Cell[][] = Array.from({ length: 5000 }, (_, i) => [
        String(i % 7),
        `r${i}`,
        i % 3 === 0 ? null : `w${i % 50}`,
      ]);
      for (let i = 0; i < rows.length; i += 1000) {
        const st = insertValues(sh, rows.slice(i, i + 1000));
        await c.execute(st.sql, st.params);
      }
      const scanned = async (): Promise<number> => {
        const r = await c.rawRows("SHOW SESSION STATUS LIKE 'Handler_read_rnd_next'");
        return Number(r[0]?.[1]?.toString());
      };
      const before = await scanned();
      await c.execute('START TRANSACTION');
      expect(await deleteRowsExact(c, sh, rows.slice(1000, 3000))).toEqual([]);
      await c.execute('COMMIT');
      // A DELETE per row would read 2,000 × ~4,000 rows; one scan reads 5,000 (and MySQL,
      // which has no DELETE … RETURNING, two).
      expect((await scanned()) - before).toBeLessThan(3 * 5000 + 100);
      const n = await c.rawRows('SELECT COUNT(*) FROM big');
      expect(n[0]?.[0]?.toString()).toBe('3000');
    } finally {
      await c.close();
    }
  });
});

describe('apply and rollback of a keyless table through the CLI', () => {
  it('deletes and restores rows with copies already there, and rolls back exactly', async () => {
    const b = await schemas.create('ke_b');
    const i = await schemas.create('ke_i');
    const ddl = 'CREATE TABLE ev (who VARCHAR(10) NULL, n INT NULL, doc JSON NULL);';
    await sql(b, `${ddl} INSERT INTO ev VALUES ('a', 1, '[1]'), ('a', 1, '[1]'), ('b', 2, NULL);`);
    await sql(
      i,
      `${ddl} INSERT INTO ev VALUES ('a', 1, '[1]'), ('c', 3, '{"k": 1}'), ('c', 3, '{"k": 1}');`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-keyless-'));
    dirs.push(dir);
    const plan = await buildPlan({
      dir,
      backup: b,
      interim: i,
      tables: [
        {
          table: 'ev',
          actions: [
            { op: 'delete', key: {}, before: { doc: '{"k":1}', n: '3', who: 'c' } },
            { op: 'insert', row: { doc: '[1]', n: '1', who: 'a' } },
            { op: 'insert', row: { doc: null, n: '2', who: 'b' } },
          ],
        },
      ],
    });
    const quiet = ['--log-level', 'warn'];
    const applied = await runCli(['apply', '--plan', dir, '--execute', ...quiet]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await schemaDigests(i)).toEqual(planDigests(plan, 'after'));
    const rb = await runCli(['rollback', '--plan', dir, '--execute', ...quiet]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await schemaDigests(i)).toEqual(planDigests(plan, 'before'));
  });

  it('rolls back many batches of one keyless table together, exactly, in about one scan', async () => {
    // 3,000 restored rows, all distinct, after 3,000 the interim had: 6,000 rows. A DELETE per
    // restored row scans on until it finds its row (≥ 3,000 rows each, 9M in all); the
    // set-based undo reads the table a few times (its scans, the before-digest check).
    const b = await schemas.create('km_b');
    const i = await schemas.create('km_i');
    const ddl = 'CREATE TABLE ev (who VARCHAR(10) NULL, n INT NULL);';
    const values = (from: number, to: number): string =>
      Array.from({ length: to - from }, (_, k) => `('u${(from + k) % 7}', ${from + k})`).join(',');
    await sql(b, `${ddl} INSERT INTO ev VALUES ${values(0, 6000)};`);
    await sql(i, `${ddl} INSERT INTO ev VALUES ${values(0, 3000)};`);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-keyless-'));
    dirs.push(dir);
    const plan = await buildPlan({
      dir,
      backup: b,
      interim: i,
      tables: [
        {
          table: 'ev',
          actions: Array.from({ length: 3000 }, (_, k) => ({
            op: 'insert' as const,
            row: { n: String(3000 + k), who: `u${(3000 + k) % 7}` },
          })),
        },
      ],
    });
    const quiet = ['--log-level', 'warn', '--json'];
    const tableRows = 6000;
    // The server's rows read by full scans, for every session: other tests share the server,
    // so the bound has a wide margin (a per-row undo reads 9M), and a measure spoiled by
    // their traffic is taken again.
    const c = await connect(i);
    const scanned = async (): Promise<number> => {
      const r = await c.rawRows("SHOW GLOBAL STATUS LIKE 'Handler_read_rnd_next'");
      return Number(r[0]?.[1]?.toString());
    };
    const reads: number[] = [];
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const applied = await runCli([
          'apply',
          '--plan',
          dir,
          '--execute',
          '--batch-rows',
          '500',
          ...quiet,
        ]);
        expect(applied.code, applied.stderr).toBe(0);
        expect((JSON.parse(applied.stdout) as { batches: number }).batches).toBe(6);
        expect(await schemaDigests(i)).toEqual(planDigests(plan, 'after'));
        const before = await scanned();
        const rb = await runCli(['rollback', '--plan', dir, '--execute', ...quiet]);
        reads.push((await scanned()) - before);
        expect(rb.code, rb.stderr).toBe(0);
        expect((JSON.parse(rb.stdout) as { batches: number }).batches).toBe(6);
        expect(await schemaDigests(i)).toEqual(planDigests(plan, 'before'));
        if (Math.min(...reads) < 100 * tableRows) break;
      }
    } finally {
      await c.close();
    }
    expect(Math.min(...reads), `rows read by scans per attempt: ${reads.join(', ')}`).toBeLessThan(
      100 * tableRows,
    );
  });
});
