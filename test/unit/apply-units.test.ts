import { describe, expect, it } from 'vitest';
import { type Batch, tableBatches } from '../../src/apply/batches.js';
import { resolveEndpoints } from '../../src/apply/endpoints.js';
import { UsageError } from '../../src/errors.js';
import type { ColumnInfo } from '../../src/introspect/types.js';
import type { Action, PlanManifest } from '../../src/plan/format.js';
import {
  compactKeys,
  insertSelect,
  keySetCondition,
  type TableShape,
  updateByKey,
} from '../../src/sql/statements.js';
import { configReferences } from '../../src/verify/integrity-sql.js';

const del = (id: number): Action => ({
  op: 'delete',
  rule: 'r',
  key: { id: String(id) },
  before: { id: String(id) },
  beforeHash: '0',
});
const ins = (id: number): Action => ({
  op: 'insert',
  rule: 'r',
  key: { id: String(id) },
  row: { id: String(id) },
  copyOf: null,
  hash: '0',
});
const upd = (id: number): Action => ({
  op: 'update',
  rule: 'r',
  key: { id: String(id) },
  row: { id: String(id) },
  before: { id: String(id) },
  hash: '0',
  beforeHash: '0',
  columns: [],
});

async function* from(xs: Action[]): AsyncGenerator<Action> {
  yield* xs;
}
async function collect(it: AsyncIterable<Batch>): Promise<[number, number, string][]> {
  const out: [number, number, string][] = [];
  for await (const b of it) out.push([b.first, b.end, b.actions.map((a) => a.op[0]).join('')]);
  return out;
}
const limits = { rows: 2, bytes: 1 << 20 };

describe('tableBatches', () => {
  const actions = [del(1), del(2), del(3), upd(4), ins(5), ins(6), del(7)];
  it('gives the delete phase the leading deletes, the write phase the rest in file order', async () => {
    expect(await collect(tableBatches(from(actions), 't', 'delete', 0, limits))).toEqual([
      [0, 2, 'dd'],
      [2, 3, 'd'],
    ]);
    expect(await collect(tableBatches(from(actions), 't', 'write', 0, limits))).toEqual([
      [3, 5, 'ui'],
      [5, 7, 'id'],
    ]);
  });
  it('skips what an interrupted run applied', async () => {
    expect(await collect(tableBatches(from(actions), 't', 'delete', 2, limits))).toEqual([
      [2, 3, 'd'],
    ]);
    expect(await collect(tableBatches(from(actions), 't', 'delete', 5, limits))).toEqual([]);
    expect(await collect(tableBatches(from(actions), 't', 'write', 4, limits))).toEqual([
      [4, 6, 'ii'],
      [6, 7, 'd'],
    ]);
  });
  it('cuts batches by bytes too', async () => {
    const big = { ...ins(1), row: { id: '1', blob: 'x'.repeat(1000) } } as Action;
    expect(
      await collect(
        tableBatches(from([big, big, big]), 't', 'write', 0, { rows: 100, bytes: 2500 }),
      ),
    ).toEqual([
      [0, 1, 'i'],
      [1, 2, 'i'],
      [2, 3, 'i'],
    ]);
  });
  it('refuses an unresolved action', async () => {
    const u: Action = {
      op: 'unresolved',
      rule: 'manual',
      key: { id: '1' },
      reason: 'decide',
      backup: null,
      interim: null,
    };
    await expect(collect(tableBatches(from([ins(1), u]), 't', 'write', 0, limits))).rejects.toThrow(
      /t: action 2 is unresolved \(decide\)/,
    );
  });
});

const col = (
  name: string,
  family: ColumnInfo['family'],
  extra: Partial<ColumnInfo> = {},
): ColumnInfo => ({
  name,
  ordinal: 1,
  dataType: family === 'integer' ? 'bigint' : 'varchar',
  columnType: '',
  family,
  nullable: true,
  unsigned: false,
  charset: null,
  collation: null,
  generated: null,
  autoIncrement: false,
  onUpdate: false,
  numericPrecision: null,
  numericScale: null,
  ...extra,
});

describe('write SQL', () => {
  const a = col('a`b', 'integer', { unsigned: true });
  const b = col('c; DROP', 'text');
  const shape: TableShape = {
    schema: 's`x',
    name: 't`1',
    columns: [a, b],
    key: [a, b],
    flavor: 'mariadb',
  };
  it('quotes every identifier, types key placeholders, and passes values as parameters', () => {
    const k = keySetCondition(shape, {
      keys: [
        ['1', 'x'],
        ['18446744073709551615', 'y'],
      ],
      ranges: [],
    });
    expect(k.sql).toBe('(`a``b`, `c; DROP`) IN ((?, ?), (?, ?))');
    expect(k.params).toEqual([1n, 'x', 18446744073709551615n, 'y']);
    const st = insertSelect({ ...shape, key: [a] }, 'bk', { keys: [['7']], ranges: [] });
    expect(st.sql).toBe(
      'INSERT INTO `s``x`.`t``1` (`a``b`, `c; DROP`) SELECT `a``b`, `c; DROP` FROM `bk`.`t``1` WHERE `a``b` IN (?)',
    );
    const u = updateByKey({ ...shape, key: [a] }, ['7'], ['8', { hex: '00ff' }], 'all');
    expect(u.sql).toBe('UPDATE `s``x`.`t``1` SET `a``b` = ?, `c; DROP` = ? WHERE `a``b` = ?');
    expect(u.params).toEqual([8n, Buffer.from([0, 255]), 7n]);
    const only = updateByKey({ ...shape, key: [a] }, ['7'], ['8', { hex: '00ff' }], ['c; DROP']);
    expect(only.sql).toBe('UPDATE `s``x`.`t``1` SET `c; DROP` = ? WHERE `a``b` = ?');
    expect(() => keySetCondition(shape, { keys: [['1e3', 'x']], ranges: [] })).toThrow(
      /key column a`b: "1e3" is not an integer/,
    );
  });
});

describe('key sets', () => {
  const keysWhere = (sh: TableShape, keys: string[][]) =>
    keySetCondition(sh, compactKeys(sh, keys));
  const id = col('id', 'integer');
  const shape: TableShape = { schema: 's', name: 't', columns: [id], key: [id], flavor: 'mysql' };
  const ks = (xs: (number | string)[]): string[][] => xs.map((x) => [String(x)]);
  it('selects long runs of consecutive integers as ranges and lists the rest', () => {
    const run = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);
    // unsorted on purpose; -3..14 is a run of 18 through zero
    const keys = ks([...run(100, 20).reverse(), 7000, ...run(-3, 18), 50, 52, ...run(200, 15)]);
    const w = keysWhere(shape, keys);
    expect(w.sql).toBe(
      '(`id` BETWEEN ? AND ? OR `id` BETWEEN ? AND ? OR `id` IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))',
    );
    expect(w.params.slice(0, 4)).toEqual([-3n, 14n, 100n, 119n]);
    expect(w.params.slice(4)).toEqual([50n, 52n, ...run(200, 15).map(BigInt), 7000n]);
  });
  it('keeps the plain list for short lists, gaps everywhere, and other key types', () => {
    expect(keysWhere(shape, ks([1, 2, 3])).sql).toBe('`id` IN (?, ?, ?)');
    const gaps = Array.from({ length: 40 }, (_, i) => 2 * i);
    expect(keysWhere(shape, ks(gaps)).sql).toBe(`\`id\` IN (${gaps.map(() => '?').join(', ')})`);
    const text = { ...shape, columns: [col('k', 'text')], key: [col('k', 'text')] };
    expect(keysWhere(text, ks(Array.from({ length: 20 }, (_, i) => i))).sql).toMatch(/^`k` IN \(/);
    expect(keysWhere(shape, ks(Array.from({ length: 20 }, (_, i) => i))).sql).toBe(
      '`id` BETWEEN ? AND ?',
    );
  });
});

describe('endpoints', () => {
  const manifest = {
    sources: {
      backup: { url: 'mysql://dba@db1:3306/shop_0223', schema: 'shop_0223', server: '' },
      interim: { url: 'mysql://dba@db2:3307/shop', schema: 'shop', server: '' },
      target: { url: 'mysql://dba@db2:3307/shop', schema: 'shop', server: '' },
    },
  } as unknown as PlanManifest;
  it('takes the password from MYSQL_PWD, or from a flag naming the same host, port and schema', () => {
    const e = resolveEndpoints(manifest, {}, { MYSQL_PWD: 'secret' });
    expect(e.target.password).toBe('secret');
    expect(JSON.stringify(e)).not.toContain('secret');
    const f = resolveEndpoints(manifest, { target: 'mysql://admin:pw@DB2:3307/shop' }, {});
    expect(f.target.user).toBe('admin');
    expect(f.target.password).toBe('pw');
  });
  it('refuses a flag that points elsewhere, without repeating its password', () => {
    for (const url of [
      'mysql://a:pw@db2:3306/shop',
      'mysql://a:pw@db3:3307/shop',
      'mysql://a:pw@db2:3307/shop2',
    ]) {
      expect(() => resolveEndpoints(manifest, { target: url }, {})).toThrow(UsageError);
      try {
        resolveEndpoints(manifest, { target: url }, {});
      } catch (e) {
        expect(String(e)).not.toContain('pw');
      }
    }
    expect(() => resolveEndpoints(manifest, { backup: 'mysql://a@db1:3306/other' }, {})).toThrow(
      /--backup .* is not the plan's backup/,
    );
  });
});

describe('config references', () => {
  const ref = (column: string, refTable: string, refColumn: string) => ({
    name: `config:${column}`,
    schema: 's',
    table: 'items',
    columns: [column],
    refSchema: 's',
    refTable,
    refColumns: [refColumn],
  });
  it("turns the plan's structured references into references within the schema", () => {
    expect(
      configReferences('s', 'items', [{ column: 'order_id', table: 'orders', refColumn: 'id' }]),
    ).toEqual([ref('order_id', 'orders', 'id')]);
    expect(configReferences('s', 't', [])).toEqual([]);
  });
});
