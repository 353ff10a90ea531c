import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigestMethod } from '../../src/checksum/digest-method.js';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { DbTarget } from '../../src/db/url.js';
import { rowDigestHasher, tableDigestBy, tableDigestsBy } from '../../src/diff/table-digest.js';
import { DigestAccumulator, digestColumns } from '../../src/hash/digest.js';
import { loadHash64 } from '../../src/hash/xxhash.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { SchemaInfo, TableInfo } from '../../src/introspect/types.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * The server's digests of several tables in one queue of pieces: however the tables are cut
 * (whole, integer spans, spans of sparse ids, the boundary walk over text and composite keys),
 * each table's digest is its rows' hashes summed once each.
 */
const schemas = new TestSchemas();
let target: DbTarget;
let pool: SessionPool;
let info: SchemaInfo;
const server: DigestMethod = { kind: 'server', rowHash: 'crc64-var' };
const TABLES = ['dense', 'sparse', 'txt', 'comp', 'bag', 'empty'];

beforeAll(async () => {
  target = await schemas.create('pieces');
  const n = Array.from({ length: 300 }, (_, i) => i);
  await sql(
    target,
    `CREATE TABLE dense (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(8) NULL);
     INSERT INTO dense VALUES ${n.map((i) => `(${i + 1}, ${i % 7 ? `'v${i}'` : 'NULL'})`).join(', ')};
     CREATE TABLE sparse (id BIGINT PRIMARY KEY, v INT);
     INSERT INTO sparse VALUES ${n.map((i) => `(${i - 150}, ${i})`).join(', ')}, (1000000000000000, 1), (-1000000000000000, 2);
     CREATE TABLE txt (k VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT);
     INSERT INTO txt VALUES ${n.map((i) => `('${i % 2 ? 'K' : 'k'}${i}', ${i})`).join(', ')};
     CREATE TABLE comp (a INT NOT NULL, b VARCHAR(4) NOT NULL, v INT, PRIMARY KEY (a, b));
     INSERT INTO comp VALUES ${n.map((i) => `(${i % 5}, 'b${i}', ${i})`).join(', ')};
     CREATE TABLE bag (v INT);
     INSERT INTO bag VALUES (1), (1), (2), (NULL);
     CREATE TABLE empty (id INT PRIMARY KEY);
     ANALYZE TABLE dense, sparse, txt, comp, bag, empty;`,
  );
  pool = await SessionPool.open(3, () => connect(target), { snapshot: true });
  info = await introspectSchema(pool.primary, target.schema);
});
afterAll(async () => {
  await pool.close();
  await schemas.drop();
});

function table(name: string): TableInfo {
  const t = info.tables.get(name);
  if (!t) throw new Error(name);
  return t;
}

/** The oracle: every row read in one plain query, hashed in the client as the server does. */
async function oracle(name: string) {
  const t = table(name);
  const hasher = rowDigestHasher(t, server, await loadHash64());
  const cols = digestColumns(t).map((c) => quoteId(c.name));
  const rows = await pool.run((s) => s.rawRows(`SELECT ${cols.join(', ')} FROM ${quoteId(name)}`));
  const acc = new DigestAccumulator();
  for (const r of rows) acc.add(hasher.hash(r));
  return acc.toDigest();
}

describe('server digests in pieces', () => {
  it('the estimates see the tables (else every table would be one piece)', () => {
    expect(table('dense').rowsEstimate).toBeGreaterThan(20);
  });

  for (const pieceRows of [7, 50, undefined]) {
    for (const concurrency of [1, 3]) {
      it(`pieces of ${pieceRows ?? 'adaptive'} rows, ${concurrency} at a time: each table's rows once`, async () => {
        const tables = TABLES.map((t) => ({ table: table(t), method: server }));
        const got = await tableDigestsBy(pool, target.schema, tables, {
          concurrency,
          ...(pieceRows ? { pieceRows } : {}),
        });
        for (const [i, name] of TABLES.entries()) expect(got[i]).toEqual(await oracle(name));
        expect(got.map((d) => d.count)).toEqual(['300', '302', '300', '300', '4', '0']);
      });
    }
  }

  it('one table alone (tableDigestBy), in pieces', async () => {
    expect(
      await tableDigestBy(pool, target.schema, table('sparse'), server, { pieceRows: 11 }),
    ).toEqual(await oracle('sparse'));
  });
});
