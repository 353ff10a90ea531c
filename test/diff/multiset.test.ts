import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { diffSchemas, tableOf } from '../support/diff.js';
import { engineView } from '../support/naive-diff.js';
import { sql, TestSchemas } from '../support/schemas.js';

/**
 * Tables without a key are compared as multisets; a large one is split into partitions by a
 * server-side CRC of its rows. Any number of partitions must give the answer one partition
 * gives, including when equal rows are stored differently on the two sides (a charset change,
 * JSON spelled differently).
 */
const ROWS = 400;

function fill(side: 'b' | 'i'): string {
  const ddl = `
    CREATE TABLE bag (n INT, s VARCHAR(10) CHARACTER SET ${side === 'b' ? 'latin1' : 'utf8mb4'},
                      f DOUBLE, j JSON, bin VARBINARY(4));`;
  const rows: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    // few distinct values, so duplicates are common; some rows differ by side
    const n = r % 13;
    let s = ['é', 'a', 'ü', 'NULL', ''][r % 5];
    if (side === 'i' && r % 37 === 0) s = 'changed';
    const text = s === 'NULL' ? 'NULL' : `'${s}'`;
    const f = r % 3 === 0 ? 'NULL' : `${(r % 4) / 8}`;
    const j =
      r % 4 === 0
        ? 'NULL'
        : side === 'b'
          ? `'{"k": ${r % 4}, "a": [1, 2]}'`
          : `'{"a":[1,2],"k":${r % 4}}'`;
    const bin = r % 6 === 0 ? "X'00FF'" : 'NULL';
    if (side === 'i' && r % 53 === 1) continue; // deleted in the interim
    rows.push(`(${n}, ${text}, ${f}, ${j}, ${bin})`);
    if (side === 'i' && r % 61 === 2) rows.push(`(${n}, ${text}, ${f}, ${j}, ${bin})`); // doubled
  }
  return `${ddl} INSERT INTO bag VALUES ${rows.join(', ')}; ANALYZE TABLE bag;`;
}

const schemas = new TestSchemas();
let backup: DbTarget;
let interim: DbTarget;

beforeAll(async () => {
  backup = await schemas.create('bag_b');
  interim = await schemas.create('bag_i');
  await Promise.all([sql(backup, fill('b')), sql(interim, fill('i'))]);
});
afterAll(() => schemas.drop());

describe('tables without a key', () => {
  it('one partition: duplicates with multiplicity, differing rows once per side', async () => {
    const doc = await diffSchemas(backup, interim, { partitionRows: 1_000_000 });
    const t = tableOf(doc, 'bag');
    expect(t.chunks).toBe(1);
    expect(t.identity).toBe('none (compared as a multiset)');
    expect({
      identical: t.identical,
      changed: t.changed,
      onlyBackup: t.onlyBackup,
      onlyInterim: t.onlyInterim,
    }).toEqual(expected());
  });

  it('many partitions give the same answer as one', async () => {
    const one = tableOf(await diffSchemas(backup, interim, { partitionRows: 1_000_000 }), 'bag');
    for (const partitionRows of [7, 50]) {
      const t = tableOf(
        await diffSchemas(backup, interim, { partitionRows, concurrency: 3 }),
        'bag',
      );
      expect(t.chunks).toBe(Math.ceil(ROWS / partitionRows));
      expect(engineView(t)).toEqual(engineView(one));
    }
  });
});

/**
 * The oracle: the expected counts, computed from the fixture's rules without the server (the
 * two sides spell JSON and store text differently, so stored bytes cannot be the oracle).
 */
function expected(): Record<string, number> {
  const side = (s: 'b' | 'i'): string[] => {
    const out: string[] = [];
    for (let r = 0; r < ROWS; r++) {
      let str = ['é', 'a', 'ü', 'NULL', ''][r % 5];
      if (s === 'i' && r % 37 === 0) str = 'changed';
      const key = JSON.stringify([
        r % 13,
        str,
        r % 3 === 0 ? null : (r % 4) / 8,
        r % 4 === 0 ? null : r % 4,
        r % 6 === 0,
      ]);
      if (s === 'i' && r % 53 === 1) continue;
      out.push(key);
      if (s === 'i' && r % 61 === 2) out.push(key);
    }
    return out;
  };
  const count = (xs: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const b = count(side('b'));
  const i = count(side('i'));
  let identical = 0;
  let onlyBackup = 0;
  let onlyInterim = 0;
  for (const k of new Set([...b.keys(), ...i.keys()])) {
    const x = b.get(k) ?? 0;
    const y = i.get(k) ?? 0;
    identical += Math.min(x, y);
    onlyBackup += Math.max(0, x - y);
    onlyInterim += Math.max(0, y - x);
  }
  return { identical, changed: 0, onlyBackup, onlyInterim };
}
