import { describe, expect, it } from 'vitest';
import { buildPlanConfig, parseConfigText } from '../../src/config/load-config.js';
import {
  decideJsonReference,
  decideReferences,
  decideTimeColumns,
  type MeasuredReference,
  percent,
} from '../../src/init/decide.js';
import type {
  Inclusion,
  InitDocument,
  Measured,
  TableProposals,
} from '../../src/init/proposal-types.js';
import { renderInitYaml } from '../../src/init/render-yaml.js';
import type { ReferenceCandidate } from '../../src/introspect/reference-candidates.js';
import { column } from '../support/columns.js';

const ALL = { rows: 40, wholeTable: true, which: 'first' as const };

function inc(found: number, tested: number): Measured<Inclusion> {
  return {
    kind: 'measured',
    value: { side: 'backup', tested, found, valuesCapped: false, sample: ALL },
  };
}

function cand(
  columns: string[],
  parent: string,
  rule: ReferenceCandidate['rule'],
  parentColumns = ['id'],
): ReferenceCandidate {
  return {
    table: 'orders',
    columns,
    parent,
    parentColumns,
    rule,
    constraint: rule === 'declared' ? 'fk_x' : null,
  };
}

describe('deciding references', () => {
  it('enables a reference only when its values are in the parent, and one parent per column', () => {
    const measured: MeasuredReference[] = [
      { candidate: cand(['customer_id'], 'customers', 'table-key'), inclusion: inc(30, 30) },
      { candidate: cand(['legacy_customer_id'], 'customers', 'role'), inclusion: inc(3, 30) },
      { candidate: cand(['buyer_id'], 'buyers', 'table-key'), inclusion: inc(0, 0) },
      { candidate: cand(['store_id'], 'store', 'table-key'), inclusion: inc(10, 10) },
      { candidate: cand(['store_id'], 'stores_old', 'key-name'), inclusion: inc(10, 10) },
      { candidate: cand(['shop_id'], 'shop', 'table-key'), inclusion: inc(5, 5) },
      { candidate: cand(['shop_id'], 'shops', 'table-key'), inclusion: inc(5, 5) },
      { candidate: cand(['merchant_id'], 'merchant', 'declared'), inclusion: null },
      { candidate: cand(['merchant_id'], 'merchants_v2', 'table-key'), inclusion: inc(5, 5) },
      {
        candidate: cand(['customer_id', 'day'], 'visits', 'composite', ['customer_id', 'day']),
        inclusion: inc(8, 8),
      },
      {
        candidate: cand(['customer_id', 'store_id'], 'memberships', 'composite', ['a', 'b']),
        inclusion: inc(8, 8),
      },
      {
        candidate: cand(['slow_id'], 'slow', 'table-key'),
        inclusion: { kind: 'not-measured', reason: 'not measured: the time budget ran out' },
      },
    ];
    const got = decideReferences(measured, 0.99).map((p) => [
      `${p.columns.join(',')}→${p.parent}`,
      p.enabled,
      p.why,
    ]);
    expect(got).toEqual([
      ['customer_id→customers', true, 'named after the table and its key'],
      ['legacy_customer_id→customers', false, 'not enabled: below --min-inclusion 99.0%'],
      [
        'buyer_id→buyers',
        true,
        'named after the table and its key; no value on either side to test, so nothing for a remap to rewrite yet: check it',
      ],
      ['store_id→store', true, 'named after the table and its key'],
      ['store_id→stores_old', false, 'not enabled: store fits the name better'],
      ['shop_id→shop', false, 'not enabled: ambiguous, fits shop, shops alike'],
      ['shop_id→shops', false, 'not enabled: ambiguous, fits shop, shops alike'],
      ['merchant_id→merchant', false, 'declared foreign key fk_x: plan follows it'],
      [
        'merchant_id→merchants_v2',
        false,
        'not enabled: a declared foreign key sends it to merchant',
      ],
      [
        'customer_id,day→visits',
        false,
        'not enabled: a composite reference, which references cannot express; declare it as a foreign key in the target for plan to follow it',
      ],
      [
        'customer_id,store_id→memberships',
        false,
        'not enabled: each of its columns already references a parent of its own',
      ],
      ['slow_id→slow', false, 'not measured: the time budget ran out'],
    ]);
  });

  it('never rounds a share up to 100%', () => {
    expect(percent(9999, 10000)).toBe('99.9%');
    expect(percent(10, 10)).toBe('100%');
    expect(percent(0, 7)).toBe('0.0%');
  });

  it('enables a JSON path only when every value there is an integer of the parent', () => {
    const c = {
      table: 'orders',
      column: 'extra',
      path: '$.merchant_id',
      parent: 'merchant',
      parentColumn: 'id',
      rule: 'table-key' as const,
    };
    const counts = (others: number) =>
      ({
        kind: 'measured',
        value: { documents: 10, integers: 10 - others, others, sample: ALL },
      }) as const;
    expect(decideJsonReference(c, counts(0), inc(4, 4), 0.99, [c]).enabled).toBe(true);
    expect(decideJsonReference(c, counts(2), inc(4, 4), 0.99, [c]).why).toMatch(
      /^not enabled: 2 sampled documents hold something other than an integer there/,
    );
    expect(decideJsonReference(c, counts(0), inc(1, 4), 0.99, [c]).enabled).toBe(false);
  });

  it('enables the first creation time the backup agrees with, and only with incident.start', () => {
    const t = (name: string, family: 'temporal' | 'integer' = 'temporal') => ({
      role: 'createdAt' as const,
      column: column(name, family, { dataType: family === 'integer' ? 'int' : 'datetime' }),
      by: 'named like a creation time',
    });
    const side = (since: number) => ({ since, nulls: 0, sample: ALL });
    const counts = (backupSince: number, max: string) =>
      ({
        kind: 'measured',
        value: { interim: side(3), backup: side(backupSince), interimMax: max },
      }) as const;
    const got = decideTimeColumns(
      [
        { candidate: t('created_at'), counts: counts(4, '2020-03-01 00:00:00') },
        { candidate: t('ctime', 'integer'), counts: counts(0, '1583020800000') },
        { candidate: t('inserted_at'), counts: counts(0, '2020-03-01 00:00:00') },
        { candidate: t('create_date'), counts: counts(0, '2020-03-01 00:00:00') },
      ],
      true,
    );
    expect(got.map((x) => [x.column, x.enabled])).toEqual([
      ['created_at', false],
      ['ctime', false],
      ['inserted_at', true],
      ['create_date', false],
    ]);
    expect(got[0]?.why).toMatch(/^not enabled: 4 backup rows are at or after incident.start/);
    expect(got[1]?.why).toMatch(/is not a unix time in seconds/);
    expect(got[3]?.why).toBe('not enabled: inserted_at is proposed instead');
    expect(decideTimeColumns([{ candidate: t('created_at'), counts: null }], false)[0]?.why).toBe(
      'not enabled: createdAt needs incident.start (give --incident-start)',
    );
  });
});

function proposals(over: Partial<TableProposals> & { table: string }): TableProposals {
  return {
    onlyIn: null,
    identity: 'primary (id)',
    rowsEstimate: { backup: 10, interim: 12 },
    drift: false,
    createdAt: [],
    updatedAt: [],
    collisions: null,
    references: [],
    jsonReferences: [],
    uniqueKeys: [],
    keyless: false,
    triggers: [],
    notes: [],
    ...over,
  };
}

function doc(tables: TableProposals[], incidentStart: string | null): InitDocument {
  return {
    backup: 'mysql://dba@db1:3306/shop_0223',
    interim: 'mysql://dba@db2:3306/shop',
    servers: { backup: '10.11.19-MariaDB', interim: '8.0.36' },
    incidentStart,
    settings: {
      minInclusion: 0.99,
      sampleRows: 1000,
      sampleValues: 100,
      sampleDocuments: 20,
      secondsPerTable: 5,
    },
    tables,
    totals: {
      tables: tables.length,
      declaredReferences: 0,
      referencesEnabled: 0,
      referencesCommented: 0,
      jsonReferencesEnabled: 0,
      jsonReferencesCommented: 0,
      createdAtEnabled: 0,
      tablesWithCollisions: 0,
    },
    seconds: 1,
  };
}

describe('the YAML', () => {
  const ref = (column: string, parent: string, enabled: boolean) => ({
    columns: [column],
    parent,
    parentColumns: ['id'],
    rule: 'table-key' as const,
    constraint: null,
    inclusion: inc(enabled ? 5 : 1, 5),
    enabled,
    why: enabled ? 'named after the table and its key' : 'not enabled: below --min-inclusion',
  });
  const tables = [
    proposals({
      table: 'orders',
      createdAt: [
        {
          role: 'createdAt',
          column: 'created_at',
          type: 'datetime NOT NULL',
          counts: null,
          enabled: true,
          why: 'named like a creation time',
        },
      ],
      references: [ref('merchant_id', 'merchant', true), ref('coupon_id', 'coupon', false)],
      jsonReferences: [
        {
          column: 'extra',
          path: '$."odd key".merchant_id',
          parent: 'merchant',
          parentColumn: 'id',
          rule: 'table-key',
          counts: {
            kind: 'measured',
            value: { documents: 5, integers: 5, others: 0, sample: ALL },
          },
          inclusion: inc(5, 5),
          enabled: true,
          why: 'named after the table and its key',
        },
      ],
    }),
    // Nothing enabled: the whole table is a comment, so the YAML has no empty mapping.
    proposals({ table: 'true', references: [ref('legacy_id', 'legacy', false)] }),
    proposals({ table: 'audit log', keyless: true, onlyIn: 'backup' }),
  ];

  it('is a config the loader accepts, with exactly the enabled proposals', () => {
    const yaml = renderInitYaml(doc(tables, '2020-02-23T19:00:00+08:00'));
    const c = buildPlanConfig(parseConfigText(yaml, 'init.yaml'), {}, 'init.yaml', {});
    expect(c.backup.schema).toBe('shop_0223');
    expect(c.incident?.iso).toBe('2020-02-23T19:00:00+08:00');
    expect(Object.keys(c.tables)).toEqual(['orders']);
    expect(c.tables.orders?.createdAt).toBe('created_at');
    expect(c.tables.orders?.references).toEqual([
      { column: 'merchant_id', table: 'merchant', refColumn: 'id' },
    ]);
    expect(c.tables.orders?.jsonReferences.map((r) => [r.column, r.path, r.table])).toEqual([
      ['extra', '$."odd key".merchant_id', 'merchant'],
    ]);
    // What is not enabled is there, as a comment with its reason.
    expect(yaml).toContain(
      '      # coupon_id: coupon.id # not enabled: below --min-inclusion; 20.0% of 5 distinct values found in coupon(id), from all 40 rows',
    );
    expect(yaml).toContain('  # "true":');
    expect(yaml).toContain('    # skip: true # not compared, not written, not verified');
  });

  it('without incident.start, enables no creation time and still loads', () => {
    const noStart = [
      proposals({ table: 'orders', references: [ref('merchant_id', 'merchant', true)] }),
    ];
    const yaml = renderInitYaml(doc(noStart, null));
    expect(yaml).toContain('# incident:');
    const c = buildPlanConfig(parseConfigText(yaml, 'init.yaml'), {}, 'init.yaml', {});
    expect(c.incident).toBeNull();
    expect(c.tables.orders?.references.length).toBe(1);
  });

  it('is an empty mapping of tables when nothing is enabled', () => {
    const yaml = renderInitYaml(doc([proposals({ table: 'orders' })], null));
    expect(yaml).toContain('tables: {}');
    const c = buildPlanConfig(parseConfigText(yaml, 'init.yaml'), {}, 'init.yaml', {});
    expect(c.tables).toEqual({});
  });
});
