/**
 * verify's orphan counts and samples, pinned on cases where ways of counting could differ: NULL
 * references, composite references with one NULL, a parent column that repeats values, text
 * keys under a case-insensitive PAD SPACE collation, a parent in another schema, the extremes of
 * signed and unsigned BIGINT, an empty parent. Each way (anti-join, islands) must give the
 * expected answer, worked out by hand from the rows below; the naive forms are shown failing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import { quoteTable } from '../../src/db/quote.js';
import { SessionPool } from '../../src/db/session-pool.js';
import type { Connection } from '../../src/db/types.js';
import { tableDigestsWithSpans } from '../../src/diff/table-digest.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import {
  findOrphans,
  islandsFromSpans,
  type OrphanWay,
  orphansOutside,
} from '../../src/verify/integrity.js';
import { islandsQuery, type Reference } from '../../src/verify/integrity-sql.js';
import { sql, TestSchemas, target } from '../support/schemas.js';

const schemas = new TestSchemas();
let a = '';
let b = '';
let conn: Connection;

beforeAll(async () => {
  const ta = await schemas.create('orph_a');
  const tb = await schemas.create('orph_b');
  a = ta.schema;
  b = tb.schema;
  await sql(
    ta,
    `CREATE TABLE p_int (id BIGINT PRIMARY KEY);
     INSERT INTO p_int VALUES (1),(2),(3),(5),(6),(10);
     CREATE TABLE c_int (id INT PRIMARY KEY, pid BIGINT NULL, KEY (pid));
     INSERT INTO c_int VALUES (1,1),(2,3),(3,4),(4,NULL),(5,7),(6,10),(7,11),(8,NULL),(9,0),(10,4);
     CREATE TABLE p_dup (id INT PRIMARY KEY, code INT NULL, KEY (code));
     INSERT INTO p_dup VALUES (1,1),(2,2),(3,2),(4,4),(5,NULL);
     CREATE TABLE c_dup (id INT PRIMARY KEY, code INT NULL);
     INSERT INTO c_dup VALUES (1,1),(2,2),(3,3),(4,4),(5,NULL),(6,5);
     CREATE TABLE p_comp (a INT NOT NULL, b VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL, PRIMARY KEY (a, b));
     INSERT INTO p_comp VALUES (1,'x'),(1,'y'),(2,'x');
     CREATE TABLE c_comp (id INT PRIMARY KEY, a INT NULL, b VARCHAR(10) COLLATE utf8mb4_general_ci NULL);
     INSERT INTO c_comp VALUES (1,1,'X'),(2,1,'z'),(3,2,'y'),(4,NULL,'q'),(5,3,NULL),(6,2,'x ');
     CREATE TABLE p_txt (code VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY);
     INSERT INTO p_txt VALUES ('abc'),('Def');
     CREATE TABLE c_txt (id INT PRIMARY KEY, code VARCHAR(10) COLLATE utf8mb4_general_ci NULL);
     INSERT INTO c_txt VALUES (1,'ABC'),(2,'def'),(3,'abc '),(4,'ghi'),(5,NULL);
     CREATE TABLE c_cross (id INT PRIMARY KEY, pid INT UNSIGNED NULL);
     INSERT INTO c_cross VALUES (1,1),(2,2),(3,3),(4,NULL);
     CREATE TABLE p_neg (k BIGINT PRIMARY KEY);
     INSERT INTO p_neg VALUES (-9223372036854775808),(-5),(-4),(0),(1),(9223372036854775807);
     CREATE TABLE c_neg (id INT PRIMARY KEY, k BIGINT NULL);
     INSERT INTO c_neg VALUES (1,-9223372036854775807),(2,-4),(3,2),(4,9223372036854775807),(5,NULL),(6,-9223372036854775808);
     CREATE TABLE p_uns (k BIGINT UNSIGNED PRIMARY KEY);
     INSERT INTO p_uns VALUES (0),(1),(18446744073709551614),(18446744073709551615);
     CREATE TABLE c_uns (id INT PRIMARY KEY, k BIGINT NULL);
     INSERT INTO c_uns VALUES (1,-1),(2,0),(3,2),(4,9223372036854775807);
     CREATE TABLE p_gaps (id BIGINT PRIMARY KEY, v INT);
     INSERT INTO p_gaps (id, v) SELECT seq, 1 FROM seq_1_to_60 WHERE seq NOT IN (8, 9, 10, 21, 22, 35, 43, 44, 45, 46, 47, 48, 49, 50);
     INSERT INTO p_gaps VALUES (100, 1), (102, 1), (103, 1), (-3, 1);
     CREATE TABLE c_gaps (id INT PRIMARY KEY, pid BIGINT NULL);
     INSERT INTO c_gaps VALUES (1, 9), (2, 1), (3, 60), (4, 101), (5, NULL), (6, -3), (7, -2), (8, 47), (9, 103);
     ANALYZE TABLE p_gaps;
     CREATE TABLE p_empty (id INT PRIMARY KEY);
     CREATE TABLE c_empty (id INT PRIMARY KEY, pid INT NULL);
     INSERT INTO c_empty VALUES (1,5),(2,NULL),(3,6);`,
  );
  await sql(tb, 'CREATE TABLE p_other (id INT PRIMARY KEY); INSERT INTO p_other VALUES (1),(3);');
  conn = await connect(ta);
});

afterAll(async () => {
  await conn?.close();
  await schemas.drop();
});

function ref(
  table: string,
  columns: string[],
  refTable: string,
  refColumns: string[],
  refSchema?: string,
): Reference {
  return {
    name: `t:${table}`,
    schema: a,
    table,
    columns,
    refSchema: refSchema ?? a,
    refTable,
    refColumns,
  };
}

async function found(
  r: Reference,
  way: OrphanWay,
): Promise<{ count: number; sample: (string | null)[][]; way: OrphanWay }> {
  const o = await findOrphans(conn, r, way === 'islands');
  return {
    count: o.count,
    sample: o.sample.map((row) => row.map((v) => v?.toString() ?? null)),
    way: o.way,
  };
}

async function count(q: string): Promise<number> {
  return Number((await conn.rawRows(q))[0]?.[0]?.toString());
}

describe('orphans', () => {
  it('an integer reference: NULL refers to nothing, by either way', async () => {
    const r = ref('c_int', ['pid'], 'p_int', ['id']);
    // pid 4 (twice), 7, 11 and 0 are in no parent; the two NULLs are no reference.
    const want = { count: 5, sample: [['0'], ['4'], ['4'], ['7'], ['11']] };
    expect(await found(r, 'join')).toEqual({ ...want, way: 'join' });
    expect(await found(r, 'islands')).toEqual({ ...want, way: 'islands' });
    // Naive: the anti-join without the NOT NULL guard counts the NULL references too.
    const naive = `SELECT COUNT(*) FROM ${quoteTable(a, 'c_int')} c LEFT JOIN ${quoteTable(a, 'p_int')} p ON p.id = c.pid WHERE p.id IS NULL`;
    expect(await count(naive)).toBe(7);
  });

  it('a parent column that repeats values (and holds a NULL)', async () => {
    const r = ref('c_dup', ['code'], 'p_dup', ['code']);
    // parent codes 1, 2, 2, 4: children 3 and 5 find none; a duplicate parent does not
    // repeat a child that has one.
    const want = { count: 2, sample: [['3'], ['5']] };
    expect(await found(r, 'join')).toEqual({ ...want, way: 'join' });
    expect(await found(r, 'islands')).toEqual({ ...want, way: 'islands' });
    // Naive islands by ROW_NUMBER: 1, 2, 2, 4 give one run 1..4 (with 2..2), so 3 is missed.
    const islands = await conn.rawRows(
      `SELECT MIN(k), MAX(k) FROM (SELECT code k, code - ROW_NUMBER() OVER (ORDER BY code) g FROM ${quoteTable(a, 'p_dup')} WHERE code IS NOT NULL) x GROUP BY g`,
    );
    const inside = islands.map((x) => `code BETWEEN ${x[0]} AND ${x[1]}`).join(' OR ');
    expect(
      await count(
        `SELECT COUNT(*) FROM ${quoteTable(a, 'c_dup')} WHERE code IS NOT NULL AND NOT (${inside})`,
      ),
    ).toBe(1);
  });

  it('a composite reference: any NULL column refers to nothing; text as the collation compares it', async () => {
    const r = ref('c_comp', ['a', 'b'], 'p_comp', ['a', 'b']);
    // (1,'X') and (2,'x ') have parents under utf8mb4_general_ci (case, trailing spaces);
    // (1,'z') and (2,'y') do not; (NULL,'q') and (3,NULL) refer to nothing.
    expect(await found(r, 'join')).toEqual({
      count: 2,
      sample: [
        ['1', 'z'],
        ['2', 'y'],
      ],
      way: 'join',
    });
    // Islands do not apply to two columns: asked for, the anti-join answers.
    expect((await found(r, 'islands')).way).toBe('join');
    // Naive: a guard on the first column only takes (3, NULL) for an orphan.
    const naive = `SELECT COUNT(*) FROM ${quoteTable(a, 'c_comp')} c LEFT JOIN ${quoteTable(a, 'p_comp')} p ON p.a = c.a AND p.b = c.b WHERE c.a IS NOT NULL AND p.a IS NULL`;
    expect(await count(naive)).toBe(3);
  });

  it('a text key under a case-insensitive collation', async () => {
    const r = ref('c_txt', ['code'], 'p_txt', ['code']);
    expect(await found(r, 'join')).toEqual({ count: 1, sample: [['ghi']], way: 'join' });
    // Naive: comparing bytes takes 'ABC', 'def' and 'abc ' for orphans too.
    const naive = `SELECT COUNT(*) FROM ${quoteTable(a, 'c_txt')} c LEFT JOIN ${quoteTable(a, 'p_txt')} p ON BINARY p.code = BINARY c.code WHERE c.code IS NOT NULL AND p.code IS NULL`;
    expect(await count(naive)).toBe(4);
  });

  it('a parent in another schema', async () => {
    const r = ref('c_cross', ['pid'], 'p_other', ['id'], b);
    const want = { count: 1, sample: [['2']] };
    expect(await found(r, 'join')).toEqual({ ...want, way: 'join' });
    expect(await found(r, 'islands')).toEqual({ ...want, way: 'islands' });
  });

  it('signed and unsigned BIGINT extremes, and a signed child of an unsigned parent', async () => {
    const neg = ref('c_neg', ['k'], 'p_neg', ['k']);
    const wantNeg = { count: 2, sample: [['-9223372036854775807'], ['2']] };
    expect(await found(neg, 'join')).toEqual({ ...wantNeg, way: 'join' });
    expect(await found(neg, 'islands')).toEqual({ ...wantNeg, way: 'islands' });
    const uns = ref('c_uns', ['k'], 'p_uns', ['k']);
    const wantUns = { count: 3, sample: [['-1'], ['2'], ['9223372036854775807']] };
    expect(await found(uns, 'join')).toEqual({ ...wantUns, way: 'join' });
    expect(await found(uns, 'islands')).toEqual({ ...wantUns, way: 'islands' });
  });

  it('an empty parent: every non-NULL reference is an orphan', async () => {
    const r = ref('c_empty', ['pid'], 'p_empty', ['id']);
    const want = { count: 2, sample: [['5'], ['6']] };
    expect(await found(r, 'join')).toEqual({ ...want, way: 'join' });
    expect(await found(r, 'islands')).toEqual({ ...want, way: 'islands' });
  });

  it('more islands than allowed: the anti-join instead, the same answer', async () => {
    const r = ref('c_int', ['pid'], 'p_int', ['id']);
    // p_int holds three runs (1-3, 5-6, 10).
    const o = await findOrphans(conn, r, true, 2);
    expect(o.way).toBe('join');
    expect(o.count).toBe(5);
    expect((await findOrphans(conn, r, true, 3)).way).toBe('islands');
  });

  it("islands from a digest's pieces: the same runs as one islands query, and the same orphans", async () => {
    const pool = await SessionPool.open(2, () => connect(target(a)), { snapshot: true });
    try {
      const info = await introspectSchema(pool.primary, a);
      const table = info.tables.get('p_gaps');
      if (!table) throw new Error('p_gaps');
      const whole = (await conn.rawRows(islandsQuery(a, 'p_gaps', 'id'))).map((x) => [
        x[0]?.toString(),
        x[1]?.toString(),
      ]);
      expect(whole).toEqual([
        ['-3', '-3'],
        ['1', '7'],
        ['11', '20'],
        ['23', '34'],
        ['36', '42'],
        ['51', '60'],
        ['100', '100'],
        ['102', '103'],
      ]);
      const r = ref('c_gaps', ['pid'], 'p_gaps', ['id']);
      for (const pieceRows of [3, 7, 10, 1000]) {
        const read = await tableDigestsWithSpans(
          pool,
          a,
          [{ table, method: { kind: 'server', rowHash: 'crc64-var' }, keySpans: true }],
          { pieceRows },
        );
        const spans = read.spans[0];
        if (!spans) throw new Error('no spans');
        expect(spans.length > 1).toBe(pieceRows < 50);
        const islands = await islandsFromSpans(conn, a, 'p_gaps', 'id', spans);
        expect(islands).toEqual(whole);
        // 9, 101, -2 and 47 are in gaps; 1, 60, -3 and 103 are not; NULL refers to nothing.
        const o = await orphansOutside(conn, r, islands ?? []);
        expect(o.count).toBe(4);
        expect(o.sample.map((x) => x[0]?.toString())).toEqual(['-2', '9', '47', '101']);
        expect(await islandsFromSpans(conn, a, 'p_gaps', 'id', spans, 7)).toBeNull();
      }
    } finally {
      await pool.close();
    }
  });
});
