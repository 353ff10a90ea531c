import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { diffSchemas, tableOf } from '../support/diff.js';
import { engineView, type NaiveSpec, naiveDiff } from '../support/naive-diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Randomised: random small tables on the real server (random keys, composite and
 * case-insensitive ones included; random edits, deletes and inserts in the interim), compared
 * by the engine with tiny chunks and several workers, and by the naive whole-table oracle.
 * Every count and every key list must agree.
 */
type Key = readonly (number | bigint | string | Uint8Array)[];

interface Shape {
  readonly name: string;
  readonly ddl: (table: string) => string;
  readonly key: fc.Arbitrary<Key>;
  /** the equality class of a key under the table's collation */
  readonly norm: (k: Key) => string;
  /** a different spelling of the same key (case, trailing spaces), or the key itself */
  readonly respell: (k: Key) => Key;
  readonly spec: Omit<NaiveSpec, 'table'>;
  readonly keyless?: boolean;
}

const MAXU = 18446744073709551615n;
const lit = (v: number | bigint | string | Uint8Array | null): string => {
  if (v === null) return 'NULL';
  if (v instanceof Uint8Array) return `X'${Buffer.from(v).toString('hex')}'`;
  return typeof v === 'string' ? `'${v}'` : String(v);
};
const exact = (k: Key): string =>
  JSON.stringify(
    k.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v))),
  );
const ciText = (s: string): string => s.toLowerCase().replace(/ +$/, '');
const flipCase = (s: string): string =>
  [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

const SHAPES: readonly Shape[] = [
  {
    name: 'int',
    ddl: (t) => `CREATE TABLE ${t} (k INT PRIMARY KEY, p VARCHAR(4))`,
    key: fc.tuple(fc.integer({ min: -30, max: 30 })),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['k', 'p'], key: ['k'] },
  },
  {
    name: 'composite',
    ddl: (t) =>
      `CREATE TABLE ${t} (a INT NOT NULL, b BIGINT NOT NULL, p VARCHAR(4), PRIMARY KEY (a, b))`,
    key: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -6, max: 6 })),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['a', 'b', 'p'], key: ['a', 'b'] },
  },
  {
    name: 'ci',
    ddl: (t) =>
      `CREATE TABLE ${t} (s VARCHAR(4) COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL, p VARCHAR(4), PRIMARY KEY (s, n))`,
    key: fc.tuple(fc.stringMatching(/^[aAbB ]{0,3}$/), fc.integer({ min: 0, max: 2 })),
    norm: (k) => JSON.stringify([ciText(String(k[0])), String(k[1])]),
    respell: (k) => [String(k[0]).length % 2 ? flipCase(String(k[0])) : `${k[0]} `, k[1] as number],
    spec: {
      columns: ['n', 'p', 's'],
      key: ['s', 'n'],
      normalize: { s: ciText },
    },
  },
  {
    name: 'bigu',
    ddl: (t) => `CREATE TABLE ${t} (k BIGINT UNSIGNED PRIMARY KEY, p VARCHAR(4))`,
    key: fc.tuple(
      fc.oneof(fc.bigInt({ min: 0n, max: 6n }), fc.bigInt({ min: MAXU - 6n, max: MAXU })),
    ),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['k', 'p'], key: ['k'] },
  },
  {
    name: 'bin',
    ddl: (t) => `CREATE TABLE ${t} (k VARBINARY(3) PRIMARY KEY, p VARCHAR(4))`,
    key: fc.tuple(
      fc
        .array(fc.constantFrom(0x00, 0x01, 0x61, 0x7f, 0x80, 0xff), { maxLength: 3 })
        .map((a) => Uint8Array.from(a)),
    ),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['k', 'p'], key: ['k'], binary: ['k'] },
  },
  {
    name: 'unique',
    ddl: (t) =>
      `CREATE TABLE ${t} (x INT NOT NULL, y VARCHAR(3) COLLATE utf8mb4_bin NOT NULL, p VARCHAR(4), UNIQUE KEY u (x, y))`,
    key: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('a', 'A', 'b', '')),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['p', 'x', 'y'], key: ['x', 'y'] },
  },
  {
    name: 'nokey',
    ddl: (t) => `CREATE TABLE ${t} (a INT, b VARCHAR(2), p VARCHAR(4))`,
    key: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', '', 'y')),
    norm: exact,
    respell: (k) => k,
    spec: { columns: ['a', 'b', 'p'], key: [] },
    keyless: true,
  },
];

const payload = fc.constantFrom<string | null>(null, 'p', 'q', 'P', 'p ');

const scenario = fc.record({
  shape: fc.constantFrom(...SHAPES.map((x) => x.name)),
  rows: fc.array(fc.tuple(fc.nat(), payload), { maxLength: 40 }),
  ops: fc.array(
    fc.tuple(fc.nat(), fc.constantFrom('delete', 'edit', 'respell', 'keep', 'double')),
    {
      maxLength: 30,
    },
  ),
  inserts: fc.array(fc.tuple(fc.nat(), payload), { maxLength: 10 }),
  chunkRows: fc.integer({ min: 1, max: 6 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  partitionRows: fc.integer({ min: 2, max: 30 }),
  seed: fc.integer(),
});

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;
let runNo = 0;

beforeAll(async () => {
  backup = await schemas.create('rand_b');
  interim = await schemas.create('rand_i');
});
afterAll(() => schemas.drop());

describe('randomised diff against the naive oracle', () => {
  it('agrees on every count and every key', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const shape = SHAPES.find((x) => x.name === sc.shape) as Shape;
        // draw concrete keys from the shape's key arbitrary, deterministically per scenario
        const keys = fc.sample(shape.key, { numRuns: 60, seed: sc.seed });
        type Row = { key: Key; p: string | null };
        const dedupe = (rows: Row[]): Row[] => {
          if (shape.keyless) return rows;
          const seen = new Set<string>();
          return rows.filter((r) => {
            const n = shape.norm(r.key);
            if (seen.has(n)) return false;
            seen.add(n);
            return true;
          });
        };
        const b: Row[] = dedupe(
          sc.rows.map(([i, p]) => ({ key: keys[i % keys.length] as Key, p })),
        );
        let i: Row[] = b.map((r) => ({ ...r }));
        for (const [at, op] of sc.ops) {
          if (i.length === 0) break;
          const n = at % i.length;
          const r = i[n] as Row;
          if (op === 'delete') i.splice(n, 1);
          else if (op === 'edit') i[n] = { key: r.key, p: r.p === 'p' ? 'q' : 'p' };
          else if (op === 'respell') i[n] = { key: shape.respell(r.key), p: r.p };
          else if (op === 'double' && shape.keyless) i.push({ ...r });
        }
        i.push(...sc.inserts.map(([k, p]) => ({ key: keys[(k * 7 + 3) % keys.length] as Key, p })));
        i = dedupe(i);

        const table = `r${runNo++}_${shape.name}`;
        const insert = (rows: Row[]): string =>
          rows.length === 0
            ? ''
            : `INSERT INTO ${table} VALUES ${rows
                .map((r) => `(${r.key.map(lit).join(', ')}, ${lit(r.p)})`)
                .join(', ')};`;
        // ANALYZE: a keyless table is partitioned by its row estimate
        await Promise.all([
          sql(backup, `${shape.ddl(table)}; ${insert(b)} ANALYZE TABLE ${table};`),
          sql(interim, `${shape.ddl(table)}; ${insert(i)} ANALYZE TABLE ${table};`),
        ]);

        const doc = await diffSchemas(backup, interim, {
          tables: [table],
          chunkRows: sc.chunkRows,
          concurrency: sc.concurrency,
          partitionRows: sc.partitionRows,
        });
        const want = await naiveDiff(backup, interim, { table, ...shape.spec });
        const t = tableOf(doc, table);
        expect(engineView(t)).toEqual(want);
        expect(
          t.identity.startsWith(
            shape.keyless ? 'none' : shape.name === 'unique' ? 'unique' : 'primary',
          ),
        ).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
