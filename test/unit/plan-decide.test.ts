import { describe, expect, it } from 'vitest';
import { parseIncidentStart } from '../../src/config/incident-time.js';
import type { TablePolicy } from '../../src/config/policy.js';
import { pairTables } from '../../src/introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../../src/introspect/types.js';
import { collisionOf, createdSince, naturalKeyBytes } from '../../src/plan/classify.js';
import { decide } from '../../src/plan/decide.js';
import { linkReferences, writeOrder } from '../../src/plan/references.js';
import { buildTableModel, type TableModel } from '../../src/plan/table-model.js';

function column(name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  const family = dataType === 'int' ? 'integer' : dataType === 'varchar' ? 'text' : 'temporal';
  return {
    name,
    ordinal: 1,
    dataType,
    columnType: dataType,
    family,
    nullable: false,
    unsigned: false,
    charset: family === 'text' ? 'utf8mb4' : null,
    collation: family === 'text' ? 'utf8mb4_general_ci' : null,
    generated: null,
    autoIncrement: false,
    onUpdate: false,
    numericPrecision: null,
    numericScale: null,
    ...extra,
  };
}

function table(
  name: string,
  columns: ColumnInfo[],
  fks: [string, string, string][] = [],
): TableInfo {
  return {
    name,
    columns,
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: fks.map(([col, refTable, refCol]) => ({
      name: `fk_${name}_${col}`,
      columns: [col],
      refSchema: 's',
      refTable,
      refColumns: [refCol],
      onUpdate: 'RESTRICT',
      onDelete: 'RESTRICT',
    })),
    identity: { kind: 'primary', columns: ['id'] },
    autoIncrement: '1',
    triggers: [],
    engine: 'InnoDB',
    rowsEstimate: 0,
    avgRowLength: 0,
  };
}

const POLICY: TablePolicy = {
  createdAfter: null,
  key: null,
  skip: false,
  onMissingInInterim: 'restore',
  onChanged: 'prefer-interim',
  onUniqueConflict: 'manual',
  remap: 'interim',
  naturalKey: null,
  createdAt: null,
  updatedAt: 'updated_at',
  references: [],
  jsonReferences: [],
};

function model(t: TableInfo, policy: Partial<TablePolicy> = {}): TableModel {
  const m = buildTableModel(pairTables(t, t), t, { ...POLICY, ...policy }, 'interim');
  if (typeof m === 'string') throw new Error(m);
  return m;
}

// Cells in name order: id, name, parent_id, updated_at
const T = table(
  't',
  [
    column('id', 'int', { autoIncrement: true }),
    column('name', 'varchar'),
    column('parent_id', 'int'),
    column('updated_at', 'datetime'),
  ],
  [['parent_id', 'p', 'id']],
);

describe('decide', () => {
  const b = ['1', 'old', '7', '2020-02-01 00:00:00'];
  const i = ['1', 'new', '7', '2020-02-24 00:00:00'];

  it('applies each onChanged policy to a changed row', () => {
    expect(
      decide(model(T), { cls: 'changed', backup: b, interim: i }).survivors.map((s) => [
        s.world,
        s.rule,
      ]),
    ).toEqual([['interim', 'onChanged=prefer-interim']]);
    expect(
      decide(model(T, { onChanged: 'prefer-backup' }), { cls: 'changed', backup: b, interim: i })
        .survivors[0]?.cells,
    ).toEqual(b);
    expect(
      decide(model(T, { onChanged: 'newest' }), { cls: 'changed', backup: b, interim: i })
        .survivors[0]?.rule,
    ).toBe('onChanged=newest (interim newer)');
    expect(
      decide(model(T, { onChanged: 'newest' }), { cls: 'changed', backup: i, interim: b })
        .survivors[0]?.rule,
    ).toBe('onChanged=newest (backup newer)');
    const tie = decide(model(T, { onChanged: 'newest' }), {
      cls: 'changed',
      backup: b,
      interim: [...b.slice(0, 1), 'x', ...b.slice(2)],
    });
    expect(tie.survivors).toEqual([]);
    expect(tie.unresolved?.reason).toContain('is the same on both');
    expect(
      decide(model(T, { onChanged: 'manual' }), { cls: 'changed', backup: b, interim: i })
        .unresolved?.reason,
    ).toBe('changed on both sides in name, updated_at: onChanged is manual');
  });

  it('keeps a reference the incident did not touch pointing at the backup’s row', () => {
    const [m] = linkReferences([model(T), model(table('p', [column('id', 'int')]))], {
      backup: 's',
      interim: 's',
      target: 's',
    }).models;
    if (!m) throw new Error('no model');
    expect(decide(m, { cls: 'changed', backup: b, interim: i }).survivors[0]?.refWorlds).toEqual([
      'backup',
    ]);
    const moved = ['1', 'new', '9', '2020-02-24 00:00:00'];
    expect(
      decide(m, { cls: 'changed', backup: b, interim: moved }).survivors[0]?.refWorlds,
    ).toEqual(['interim']);
  });

  it('keeps both rows of a collision, moving the remapped side, or restores none with skip', () => {
    const both = decide(model(T), { cls: 'collision', reason: 'createdAt', backup: b, interim: i });
    expect(both.survivors.map((s) => [s.world, s.moves, s.isBase])).toEqual([
      ['backup', false, false],
      ['interim', true, true],
    ]);
    const remapBackup = decide(model(T, { remap: 'backup' }), {
      cls: 'collision',
      reason: 'createdAt',
      backup: b,
      interim: i,
    });
    expect(remapBackup.survivors.map((s) => s.moves)).toEqual([true, false]);
    expect(
      decide(model(T, { onMissingInInterim: 'skip' }), {
        cls: 'collision',
        reason: 'createdAt',
        backup: b,
        interim: i,
      }).survivors.map((s) => s.world),
    ).toEqual(['interim']);
    expect(
      decide(model(T, { onMissingInInterim: 'skip' }), { cls: 'onlyBackup', row: b }).survivors,
    ).toEqual([]);
  });
});

describe('collisions', () => {
  const incident = parseIncidentStart('2020-02-23T19:00:00+08:00');
  it('compare TIMESTAMP in UTC and DATETIME as wall-clock time in the incident offset', () => {
    if (!incident) throw new Error('bad start');
    expect(createdSince(column('c', 'timestamp'), '2020-02-23 11:00:00', incident)).toBe(true);
    expect(createdSince(column('c', 'timestamp'), '2020-02-23 10:59:59.999999', incident)).toBe(
      false,
    );
    expect(createdSince(column('c', 'datetime'), '2020-02-23 18:59:59', incident)).toBe(false);
    expect(createdSince(column('c', 'datetime'), '2020-02-23 19:00:00', incident)).toBe(true);
    expect(createdSince(column('c', 'date'), '2020-02-24', incident)).toBe(true);
    expect(createdSince(column('c', 'int'), '1582455600', incident)).toBe(true);
    expect(createdSince(column('c', 'int'), '1582455599', incident)).toBe(false);
    expect(createdSince(column('c', 'datetime'), null, incident)).toBe(false);
  });

  it('a natural key decides over the creation time, under its collation', () => {
    const m = model(T, { naturalKey: ['name'], createdAt: 'updated_at' });
    const b = ['1', 'a', '7', '2019-01-01'];
    const bin = model(
      table('t', [
        column('id', 'int', { autoIncrement: true }),
        column('name', 'varchar', { charset: 'binary', collation: 'binary' }),
        column('parent_id', 'int'),
        column('updated_at', 'datetime'),
      ]),
      { naturalKey: ['name'] },
    );
    const nk = (name: string) => naturalKeyBytes(bin, b, ['1', name, '7', '2020-03-01']);
    // bytes decide for a binary string; the server's collation for text
    expect(nk('A')).toBe('differs');
    expect(nk('a')).toBe('equal');
    expect(naturalKeyBytes(m, b, ['1', 'A', '7', '2020-03-01'])).toBe('collation');
    const ci = model(
      table('t', [
        column('id', 'int', { autoIncrement: true }),
        column('name', 'varchar', { collation: 'utf8mb4_general_ci', charset: 'utf8mb4' }),
        column('parent_id', 'int'),
        column('updated_at', 'datetime'),
      ]),
      { naturalKey: ['name', 'parent_id'] },
    );
    expect(naturalKeyBytes(ci, b, ['1', 'A', '7', '2020-03-01'])).toBe('collation');
    expect(naturalKeyBytes(ci, b, ['1', 'A', '8', '2020-03-01'])).toBe('differs');
    expect(collisionOf(m, ['1', 'A', '7', '2020-03-01'], false)).toBe('naturalKey');
    expect(collisionOf(m, ['1', 'a', '7', '2020-03-01'], true)).toBe(null);
    const byTime = model(T, { createdAt: 'updated_at', createdAfter: incident });
    expect(collisionOf(byTime, ['1', 'b', '7', '2020-03-01 00:00:00'], false)).toBe('createdAt');
  });
});

describe('write order', () => {
  it('puts parents first, breaks a cycle by name, and ignores self-references', () => {
    const a = model(
      table('a', [column('id', 'int'), column('c_id', 'int')], [['c_id', 'c', 'id']]),
    );
    const b = model(
      table(
        'b',
        [column('id', 'int'), column('a_id', 'int'), column('b_id', 'int')],
        [
          ['a_id', 'a', 'id'],
          ['b_id', 'b', 'id'],
        ],
      ),
    );
    const c = model(
      table('c', [column('id', 'int'), column('b_id', 'int')], [['b_id', 'b', 'id']]),
    );
    const d = model(table('d', [column('id', 'int')]));
    const linked = linkReferences([a, b, c, d], { backup: 's', interim: 's', target: 's' });
    expect(linked.unfollowed).toEqual([]);
    expect(writeOrder(linked.models)).toEqual(['d', 'a', 'b', 'c']);
    expect(linked.models[1]?.refs.map((r) => [r.label, r.parent])).toEqual([
      ['b.a_id', 'a'],
      ['b.b_id', 'b'],
    ]);
  });
});
