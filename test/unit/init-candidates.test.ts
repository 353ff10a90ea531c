import { describe, expect, it } from 'vitest';
import { integerPaths, jsonReferenceCandidates, pathName } from '../../src/cell/json-paths.js';
import { timeCandidates } from '../../src/init/time-columns.js';
import { matchReferenceName, plural, singular, snakeName } from '../../src/introspect/naming.js';
import {
  findReferenceCandidates,
  unsettledCandidates,
} from '../../src/introspect/reference-candidates.js';
import type { ColumnInfo, SchemaInfo, TableInfo } from '../../src/introspect/types.js';
import { column } from '../support/columns.js';

function table(
  name: string,
  columns: readonly ColumnInfo[],
  key: string[],
  fks: { name: string; columns: string[]; refTable: string; refColumns: string[] }[] = [],
): TableInfo {
  return {
    name,
    columns,
    primaryKey: key.length > 0 ? key : null,
    uniqueKeys: [],
    foreignKeys: fks.map((f) => ({
      ...f,
      refSchema: 's',
      onUpdate: 'RESTRICT',
      onDelete: 'RESTRICT',
    })),
    identity: key.length > 0 ? { kind: 'primary', columns: key } : { kind: 'none' },
    autoIncrement: null,
    triggers: [],
    engine: 'InnoDB',
    rowsEstimate: 0,
    avgRowLength: 0,
  };
}

function schema(...tables: TableInfo[]): SchemaInfo {
  return { schema: 's', tables: new Map(tables.map((t) => [t.name, t])) };
}

const int = (name: string, more: Partial<ColumnInfo> = {}) => column(name, 'integer', more);
const text = (name: string) => column(name, 'text');

describe('naming rules', () => {
  it('spells names in snake case and forms singulars and plurals', () => {
    expect(snakeName('CountryCode')).toBe('country_code');
    expect(snakeName('customerID')).toBe('customer_id');
    expect(snakeName('order-items')).toBe('order_items');
    expect(
      [
        'categories',
        'addresses',
        'boxes',
        'orders',
        'status',
        'people',
        'order_items',
        'staff',
      ].map(singular),
    ).toEqual(['category', 'address', 'box', 'order', 'status', 'person', 'order_item', 'staff']);
    expect(['category', 'address', 'order', 'person'].map(plural)).toEqual([
      'categories',
      'addresses',
      'orders',
      'people',
    ]);
  });

  it('says which rule makes a column point at a key', () => {
    const m = matchReferenceName;
    expect(m('customer_id', 'rental', 'customer', 'customer_id')).toBe('table-key');
    expect(m('customer_id', 'orders', 'customers', 'id')).toBe('table-key');
    expect(m('CountryCode', 'city', 'country', 'Code')).toBe('table-key');
    expect(m('category_id', 'film_category', 'categories', 'id')).toBe('table-key');
    // A plural in -uses is a -use word (houses) or a -us word (statuses, buses): both are read.
    expect(m('warehouse_id', 'orders', 'warehouses', 'id')).toBe('table-key');
    expect(m('course_id', 'enrolment', 'courses', 'id')).toBe('table-key');
    expect(m('status_id', 'orders', 'statuses', 'id')).toBe('table-key');
    expect(m('bus_id', 'trips', 'buses', 'id')).toBe('table-key');
    expect(m('emp_no', 'salaries', 'employees', 'emp_no')).toBe('key-name');
    expect(m('original_language_id', 'film', 'language', 'language_id')).toBe('role');
    expect(m('reviewer_emp_no', 'reviews', 'employees', 'emp_no')).toBe('role');
    expect(m('parent_id', 'categories', 'categories', 'id')).toBe('self');
    expect(m('referred_by_customer_id', 'customer', 'customer', 'customer_id')).toBe('role');
    // A generic key name says nothing about its table; a table's own key is no reference.
    expect(m('id', 'orders', 'customers', 'id')).toBeNull();
    expect(m('customer_id', 'customer', 'customer', 'customer_id')).toBeNull();
    expect(m('shelf_id', 'inventory', 'store', 'store_id')).toBeNull();
  });
});

describe('reference candidates', () => {
  const customers = table('customers', [int('id'), text('email')], ['id']);
  const orders = table(
    'orders',
    [
      int('id'),
      int('customer_id'),
      text('external_customer_id'),
      int('legacy_customer_id'),
      int('store_id'),
      int('gen_customer_id', { generated: 'virtual' }),
    ],
    ['id'],
  );

  it('proposes columns named after a key, of a compatible type, never a generated one', () => {
    const got = findReferenceCandidates(schema(customers, orders));
    expect(got.map((c) => [c.table, c.columns, c.parent, c.parentColumns, c.rule])).toEqual([
      ['orders', ['customer_id'], 'customers', ['id'], 'table-key'],
      ['orders', ['legacy_customer_id'], 'customers', ['id'], 'role'],
    ]);
  });

  it('lists declared foreign keys as such and proposes nothing more for their columns', () => {
    const declared = table(
      'orders',
      orders.columns,
      ['id'],
      [{ name: 'fk_c', columns: ['customer_id'], refTable: 'customers', refColumns: ['id'] }],
    );
    const got = findReferenceCandidates(schema(customers, declared), { tables: ['orders'] });
    expect(got.map((c) => [c.columns[0], c.rule, c.constraint])).toEqual([
      ['customer_id', 'declared', 'fk_c'],
      ['legacy_customer_id', 'role', null],
    ]);
  });

  it('does not take a table own key for a reference to another table that shares its name', () => {
    const film = table('film', [int('film_id'), text('title')], ['film_id']);
    const filmText = table('film_text', [int('film_id'), text('body')], ['film_id']);
    const got = findReferenceCandidates(schema(film, filmText));
    expect(got.map((c) => `${c.table}.${c.columns[0]} → ${c.parent}`)).toEqual([
      'film_text.film_id → film',
    ]);
  });

  it('finds composite keys repeated by name, with text and date parts', () => {
    const salaries = table(
      'salaries',
      [int('emp_no'), column('from_date', 'temporal'), int('salary')],
      ['emp_no', 'from_date'],
    );
    const reviews = table(
      'salary_reviews',
      [int('review_id'), int('emp_no'), column('from_date', 'temporal')],
      ['review_id'],
    );
    const got = findReferenceCandidates(schema(salaries, reviews));
    expect(got.map((c) => [c.table, c.columns, c.parent, c.rule])).toEqual([
      ['salary_reviews', ['emp_no', 'from_date'], 'salaries', 'composite'],
    ]);
  });
});

describe('unsettled candidates (what plan can warn about)', () => {
  it('leaves out what a declared key or the config already says, and composite candidates', () => {
    const customers = table('customers', [int('id')], ['id']);
    const stores = table('stores', [int('id')], ['id']);
    const orders = table(
      'orders',
      [int('id'), int('customer_id'), int('store_id'), int('old_store_id')],
      ['id'],
      [{ name: 'fk_c', columns: ['customer_id'], refTable: 'customers', refColumns: ['id'] }],
    );
    const all = findReferenceCandidates(schema(customers, stores, orders));
    const configured = (t: string) => (t === 'orders' ? [{ column: 'store_id' }] : []);
    expect(unsettledCandidates(all, configured).map((c) => `${c.table}.${c.columns[0]}`)).toEqual([
      'orders.old_store_id',
    ]);
  });
});

describe('ids inside JSON documents', () => {
  it('finds the member paths that hold integers, most frequent first, arrays left out', () => {
    const docs = [
      '{"merchant_id": 4, "qty": 2, "buyer": {"id": 9, "name": "x"}, "items": [{"sku_id": 1}]}',
      '{"merchant_id": 5, "note": "3", "weird key": 7}',
      'not json',
      '{"merchant_id": 6.5}',
    ];
    expect(integerPaths(docs).map((p) => [p.path, p.documents])).toEqual([
      ['$.merchant_id', 2],
      ['$."weird key"', 1],
      ['$.buyer.id', 1],
      ['$.qty', 1],
    ]);
    expect(
      pathName([
        { kind: 'member', name: 'buyer' },
        { kind: 'member', name: 'id' },
      ]),
    ).toBe('buyer_id');
  });

  it('matches a path to the table its name points at, integer keys only', () => {
    const s = schema(
      table('merchant', [int('id')], ['id']),
      table('buyers', [int('id')], ['id']),
      table('coupon', [text('code')], ['code']),
      table('orders', [int('id'), column('extra', 'json')], ['id']),
    );
    const paths = integerPaths([
      '{"merchant_id": 1, "buyer": {"id": 2}, "coupon_code": 3, "qty": 1}',
    ]);
    expect(
      jsonReferenceCandidates(s, 'orders', 'extra', paths).map((c) => [c.path, c.parent, c.rule]),
    ).toEqual([
      ['$.buyer.id', 'buyers', 'table-key'],
      ['$.merchant_id', 'merchant', 'table-key'],
    ]);
  });
});

describe('time columns', () => {
  it('proposes creation times by name and last-change times by ON UPDATE first', () => {
    const cols = [
      column('created_at', 'temporal', { dataType: 'datetime' }),
      column('last_update', 'temporal', { dataType: 'timestamp', onUpdate: true }),
      column('updated_at', 'temporal', { dataType: 'datetime' }),
      column('gmt_create', 'integer'),
      column('create_time', 'temporal', { dataType: 'time' }),
      column('created_by', 'text'),
    ];
    const got = timeCandidates(cols);
    expect(got.createdAt.map((c) => c.column.name)).toEqual(['created_at', 'gmt_create']);
    expect(got.updatedAt.map((c) => c.column.name)).toEqual(['last_update', 'updated_at']);
  });
});
