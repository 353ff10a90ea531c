import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createSchema, dropSchema, runScript } from '../../src/db/mysql.js';
import { type DbTarget, parseDbUrl } from '../../src/db/url.js';
import { notWarnings, runCli } from '../support/cli.js';
import { PrivateServer } from '../support/private-server.js';
import { sql, TestSchemas, target, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * Restored rows streamed from a backup on another server are written as literals built from
 * the bytes the backup's server sent (sql/raw-values.ts), several INSERTs per batch, one in
 * flight while the next is read. Every column type must land byte for byte as the backup holds
 * it, across statement boundaries, with NULLs anywhere.
 */
const schemas = new TestSchemas();
const dirs: string[] = [];
let server: PrivateServer | null = null;
afterAll(async () => {
  await schemas.drop();
  await server?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const COLUMNS = [
  'b',
  'bl',
  'bt',
  'f',
  'd',
  'dt',
  'ts',
  'dd',
  'tm',
  'y',
  'e',
  's',
  'j',
  'g',
  'tx',
  'ch',
  'l1',
  'de',
  'u',
  'neg',
] as const;

const DDL = `CREATE TABLE odd (
  id INT NOT NULL PRIMARY KEY,
  b VARBINARY(40) NULL, bl BLOB NULL, bt BIT(10) NULL, f FLOAT NULL, d DOUBLE NULL,
  dt DATETIME(6) NULL, ts TIMESTAMP(3) NULL, dd DATE NULL, tm TIME(2) NULL, y YEAR NULL,
  e ENUM('a', 'b c', 'é') NULL, s SET('x', 'y', 'z') NULL, j JSON NULL, g GEOMETRY NULL,
  tx TEXT NULL, ch CHAR(5) NULL, l1 VARCHAR(20) CHARACTER SET latin1 NULL,
  de DECIMAL(30,10) NULL, u BIGINT UNSIGNED NULL, neg INT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;`;

/** 6,000 rows, about 2.5 MB of statement text: several INSERTs per batch. */
const ROWS = `SET time_zone = '+00:00';
INSERT INTO odd SELECT seq,
  IF(seq % 11 = 0, NULL, UNHEX(CONCAT(LPAD(HEX(seq % 256), 2, '0'), '00275C0A0D1A', SHA1(seq)))),
  IF(seq % 13 = 0, NULL, REPEAT(CHAR(seq % 256 USING binary), 200)),
  IF(seq % 17 = 0, NULL, seq % 1024),
  IF(seq % 19 = 0, NULL, seq / 7),
  IF(seq % 23 = 0, NULL, seq * 1.1e-7 + IF(seq % 2 = 0, 1e300, -3.5)),
  IF(seq % 29 = 0, NULL, TIMESTAMPADD(MICROSECOND, seq * 1234567, '2020-01-01')),
  IF(seq % 31 = 0, NULL, TIMESTAMPADD(MICROSECOND, seq * 7654321000, '2001-01-01')),
  IF(seq % 37 = 0, NULL, DATE('1999-12-31') + INTERVAL seq DAY),
  IF(seq % 41 = 0, NULL, SEC_TO_TIME(CAST(seq AS SIGNED) * 37 - 100000 + 0.25)),
  IF(seq % 43 = 0, NULL, 1901 + seq % 255),
  IF(seq % 47 = 0, NULL, ELT(1 + seq % 3, 'a', 'b c', 'é')),
  IF(seq % 53 = 0, NULL, seq % 8),
  IF(seq % 59 = 0, NULL, JSON_OBJECT('k', seq, 's', 'it''s \\\\ "q" é', 'a', JSON_ARRAY(1, 2.50))),
  IF(seq % 61 = 0, NULL, POINT(seq, seq / 3)),
  IF(seq % 67 = 0, NULL, CONCAT('x', CHAR(0), '''', '\\\\', '😀', CHAR(13), seq)),
  IF(seq % 71 = 0, NULL, LEFT(seq, 5)),
  IF(seq % 73 = 0, NULL, CONVERT('café ñ' USING latin1)),
  IF(seq % 79 = 0, NULL, seq / 3),
  IF(seq % 83 = 0, NULL, 18446744073709551615 - seq),
  IF(seq % 89 = 0, NULL, -CAST(seq AS SIGNED))
FROM seq_1_to_6000;`;

/** Each row's columns as hex of their text (or N for NULL), read where they are. */
async function rowsOf(t: DbTarget): Promise<string[]> {
  const conn = await connect(t);
  try {
    const cols = COLUMNS.map((c) => `IFNULL(HEX(CONCAT(\`${c}\`)), 'N')`).join(', ');
    await conn.execute("SET time_zone = '+00:00'");
    const rows = await conn.rawRows(`SELECT id, CONCAT_WS('|', ${cols}) FROM odd ORDER BY id`);
    return rows.map((r) => `${r[0]?.toString()}:${r[1]?.toString()}`);
  } finally {
    await conn.close();
  }
}

describe('restored rows streamed from another server', () => {
  it.skipIf(!PrivateServer.available())(
    'land byte for byte for every column type, by LOAD DATA and by multi-row INSERTs',
    async () => {
      server = await PrivateServer.start({ name: 'stream-types' });
      const remote = parseDbUrl(`${server.url}/rc_stream_types`, 'test');
      await createSchema(remote, true);
      try {
        await runScript(remote, `${DDL}\n${ROWS}`);
        const i = await schemas.create('streamt_i');
        // The interim holds a few of the rows, so the restore is ranges with holes.
        await sql(
          i,
          `${DDL}\n${ROWS.replace('FROM seq_1_to_6000', 'FROM seq_1_to_6000 WHERE seq % 500 = 7')}`,
        );
        const work = await tempDir('streamt');
        dirs.push(work);
        const dir = join(work, 'plan');
        const planned = await runCli([
          'plan',
          '--backup',
          `${server.url}/rc_stream_types`,
          '--interim',
          urlOf(i.schema),
          '--out',
          dir,
        ]);
        expect(planned.code, planned.stderr).toBe(0);
        const applied = await runCli([
          'apply',
          '--plan',
          dir,
          '--execute',
          '--json',
          '--log-level',
          'warn',
        ]);
        expect(notWarnings(applied.stderr)).toEqual([]);
        expect(applied.code, applied.stderr).toBe(0);
        const t = JSON.parse(applied.stdout).tables[0];
        expect(t).toMatchObject({ copied: 5988, inserted: 0 });
        expect(t.copyNote).toMatch(/streamed from it into LOAD DATA LOCAL INFILE/);
        const want = await rowsOf(remote);
        expect(want.length).toBe(6000);
        expect(await rowsOf(target(i.schema))).toEqual(want);
        expect((await runCli(['verify', '--plan', dir])).code).toBe(0);

        // The same rows as multi-row INSERTs (a live run does not LOAD DATA).
        const back = await runCli(['rollback', '--plan', dir, '--execute', '--log-level', 'warn']);
        expect(back.code, back.stderr).toBe(0);
        const live = await runCli([
          'apply',
          '--plan',
          dir,
          '--execute',
          '--live',
          '--json',
          '--log-level',
          'warn',
        ]);
        expect(live.code, live.stderr).toBe(0);
        expect(JSON.parse(live.stdout).tables[0].copyNote).toMatch(/as INSERTs/);
        expect(await rowsOf(target(i.schema))).toEqual(want);
      } finally {
        await dropSchema(remote);
      }
    },
    120_000,
  );
});
