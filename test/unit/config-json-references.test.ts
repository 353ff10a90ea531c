import { describe, expect, it } from 'vitest';
import {
  formatJsonPath,
  parseJsonPath,
  splitJsonReferenceKey,
} from '../../src/config/json-path.js';
import { buildPlanConfig, loadPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import { resolvePolicy } from '../../src/config/policy.js';
import { ConfigError } from '../../src/errors.js';

const URLS = { backup: 'mysql://dba@db1:3306/shop_0223', interim: 'mysql://dba@db2:3306/shop' };

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('references into JSON documents', () => {
  it('are kept apart from column references, parsed, in a stable order', () => {
    const raw = parseConfigText(
      `
tables:
  orders:
    references:
      merchant_id: merchant.id
      "extra$.merchant_id": merchant.id
      "extra$.buyer.\\"customer id\\"": customer.id
      "meta$.items[0].product_id": product.id
`,
      'c.yaml',
    );
    const c = buildPlanConfig(raw, URLS, 'c.yaml');
    const t = c.tables.orders;
    expect(t?.references).toEqual([{ column: 'merchant_id', table: 'merchant', refColumn: 'id' }]);
    expect(t?.jsonReferences).toEqual([
      {
        column: 'extra',
        path: '$.buyer."customer id"',
        steps: [
          { kind: 'member', name: 'buyer' },
          { kind: 'member', name: 'customer id' },
        ],
        table: 'customer',
        refColumn: 'id',
      },
      {
        column: 'extra',
        path: '$.merchant_id',
        steps: [{ kind: 'member', name: 'merchant_id' }],
        table: 'merchant',
        refColumn: 'id',
      },
      {
        column: 'meta',
        path: '$.items[0].product_id',
        steps: [
          { kind: 'member', name: 'items' },
          { kind: 'index', index: 0 },
          { kind: 'member', name: 'product_id' },
        ],
        table: 'product',
        refColumn: 'id',
      },
    ]);
    expect(Object.isFrozen(t?.jsonReferences[0]?.steps)).toBe(true);
  });

  it('reports a path that names no single place, with the key as written', () => {
    const raw = {
      tables: {
        orders: {
          references: {
            'extra$.items[*].id': 'product.id',
            'extra$.**.id': 'product.id',
            'extra$.a b': 'product.id',
            '$.merchant_id': 'merchant.id',
            'extra$.ok': 'nodot',
          },
        },
      },
    };
    expect(problemsOf(() => buildPlanConfig(raw, URLS, 'c.yaml'))).toEqual([
      'tables.orders.references["extra$.ok"]: expected "table.column", got "nodot"',
    ]);
    delete (raw.tables.orders.references as Record<string, string>)['extra$.ok'];
    expect(problemsOf(() => buildPlanConfig(raw, URLS, 'c.yaml'))).toEqual([
      'tables.orders.references["extra$.items[*].id"]: expected a column and a JSON path, like "extra$.merchant_id" or "extra$.buyer.id" (an array step is a non-negative index, as in [0] (no [*], no ranges)), got "extra$.items[*].id"',
      'tables.orders.references["extra$.**.id"]: expected a column and a JSON path, like "extra$.merchant_id" or "extra$.buyer.id" (wildcards (* and **) name many places: give one path per reference), got "extra$.**.id"',
      'tables.orders.references["extra$.a b"]: expected a column and a JSON path, like "extra$.merchant_id" or "extra$.buyer.id" (unexpected " " at character 4), got "extra$.a b"',
      'tables.orders.references["$.merchant_id"]: expected a column and a JSON path, like "extra$.merchant_id" or "extra$.buyer.id" (no column before the path), got "$.merchant_id"',
    ]);
  });

  it('are checked against the table: the column must exist', () => {
    const c = buildPlanConfig(
      { tables: { orders: { references: { 'extras$.merchant_id': 'merchant.id' } } } },
      URLS,
      'c.yaml',
    );
    const problems: string[] = [];
    const p = resolvePolicy(c, 'orders', new Set(['id', 'extra']), problems);
    expect(problems).toEqual([
      'tables.orders.references["extras$.merchant_id"]: no column "extras" in orders',
    ]);
    expect(p.references).toEqual([]);
    expect(p.jsonReferences.map((r) => `${r.column}${r.path}`)).toEqual(['extras$.merchant_id']);
  });

  it('appear in the commented example', async () => {
    const c = await loadPlanConfig('config/example.yaml', {}, {});
    expect(c.tables.orders?.jsonReferences.map((r) => [r.column, r.path, r.table])).toEqual([
      ['extra', '$.merchant_id', 'merchant'],
    ]);
  });
});

describe('JSON path syntax', () => {
  it('round-trips the paths both servers accept, quoting only what must be', () => {
    for (const p of ['$.a', '$.a.b_c$1', '$[0]', '$."x y"[3].z', '$."é"', '$."a\\"b"']) {
      const steps = parseJsonPath(p);
      expect(typeof steps, p).not.toBe('string');
      if (typeof steps !== 'string') expect(formatJsonPath(steps)).toBe(p);
    }
    expect(formatJsonPath([{ kind: 'member', name: '1st' }])).toBe('$."1st"');
    expect(parseJsonPath('$')).toBe('the path names the whole document ($): name a member');
    expect(parseJsonPath('$."open')).toBe('a quoted member name has no closing quote');
  });

  it('splits a key at the first $ that starts a path', () => {
    expect(splitJsonReferenceKey('merchant_id')).toBeNull();
    expect(splitJsonReferenceKey('price$')).toBeNull();
    expect(splitJsonReferenceKey('extra$.a')).toEqual({ column: 'extra', path: '$.a' });
    expect(splitJsonReferenceKey('a$$.x')).toEqual({ column: 'a$', path: '$.x' });
    expect(splitJsonReferenceKey('doc$[2].id')).toEqual({ column: 'doc', path: '$[2].id' });
  });
});
