import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { DbTarget } from '../../src/db/url.js';
import { tableDigest } from '../../src/diff/table-digest.js';
import { DigestAccumulator, DigestRowHasher } from '../../src/hash/digest.js';
import { loadHash64 } from '../../src/hash/xxhash.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { SchemaInfo } from '../../src/introspect/types.js';
import { sql, TestSchemas } from '../support/schemas.js';

/** A table's digest is the same however it is read: chunked or not, in parallel or not. */
const schemas = new TestSchemas();
let target: DbTarget;
let pool: SessionPool;
let info: SchemaInfo;

beforeAll(async () => {
  target = await schemas.create('digest');
  const rows = Array.from({ length: 40 }, (_, n) => n);
  await sql(
    target,
    `CREATE TABLE k (id INT PRIMARY KEY, s VARCHAR(5), j JSON, g INT AS (id * 2) STORED);
     INSERT INTO k (id, s, j) VALUES ${rows.map((n) => `(${n - 20}, ${n % 3 ? `'s${n}'` : 'NULL'}, '{"b": ${n}, "a": 1}')`).join(', ')};
     CREATE TABLE flags (f BIT(9) PRIMARY KEY, v INT);
     INSERT INTO flags VALUES ${rows.map((n) => `(${n * 12}, ${n})`).join(', ')};
     CREATE TABLE bag (v INT);
     INSERT INTO bag VALUES (1), (1), (2), (NULL);`,
  );
  pool = await SessionPool.open(3, () => connect(target), { snapshot: true });
  info = await introspectSchema(pool.primary, target.schema);
});
afterAll(async () => {
  await pool.close();
  await schemas.drop();
});

/** The oracle: every row read in one plain query, hashed one by one. */
async function naiveDigest(table: string) {
  const t = info.tables.get(table);
  if (!t) throw new Error(table);
  const hasher = new DigestRowHasher(t, await loadHash64());
  const rows = await pool.run((s) =>
    s.rawRows(
      `SELECT ${hasher.columns.map((c) => quoteId(c.name)).join(', ')} FROM ${quoteId(table)}`,
    ),
  );
  const acc = new DigestAccumulator();
  for (const r of rows) acc.add(hasher.hash(r));
  return acc.toDigest();
}

describe('tableDigest', () => {
  for (const table of ['k', 'flags', 'bag']) {
    it(`${table}: the same in one chunk, in chunks of 3, and in parallel`, async () => {
      const t = info.tables.get(table);
      if (!t) throw new Error(table);
      const want = await naiveDigest(table);
      expect(await tableDigest(pool, target.schema, t)).toEqual(want);
      expect(await tableDigest(pool, target.schema, t, { chunkRows: 3, concurrency: 3 })).toEqual(
        want,
      );
      expect(Number(want.count)).toBe(table === 'bag' ? 4 : 40);
    });
  }

  it('covers stored columns only: a generated column is no part of it', () => {
    const k = info.tables.get('k');
    if (!k) throw new Error('k');
    expect(new DigestRowHasher(k, () => 0n).columns.map((c) => c.name)).toEqual(['id', 'j', 's']);
  });
});
