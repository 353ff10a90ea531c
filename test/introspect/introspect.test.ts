import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/mysql.js';
import type { DbTarget } from '../../src/db/url.js';
import { introspectSchema } from '../../src/introspect/introspect.js';
import type { SchemaInfo } from '../../src/introspect/types.js';
import { counts, diffSchemas, tableOf } from '../support/diff.js';
import { serverFlavor } from '../support/flavor.js';
import { sql, TestSchemas } from '../support/schemas.js';

/** Introspection on the real server: what counts as a table, a column, a key. */
const schemas = new TestSchemas();
let target: DbTarget;
let info: SchemaInfo;
let mariadb: boolean;

const DDL = `
  CREATE TABLE plain (id INT PRIMARY KEY, doc JSON, g INT AS (id * 2) VIRTUAL,
                      s INT AS (id + 1) STORED, t TEXT, KEY k_t (t(10)));
  CREATE TABLE by_prefix (name VARCHAR(50) NOT NULL, n INT NOT NULL,
                          UNIQUE KEY a_prefix (name(5)), UNIQUE KEY b_whole (n));
  CREATE TABLE two_uniques (x INT NOT NULL, y INT NOT NULL, z INT NULL,
                            UNIQUE KEY uz (z), UNIQUE KEY uy (y), UNIQUE KEY ux (x));
  CREATE TABLE child (id INT PRIMARY KEY, plain_id INT,
                      CONSTRAINT fk_plain FOREIGN KEY (plain_id) REFERENCES plain (id) ON DELETE CASCADE);
  CREATE TRIGGER trg_child BEFORE INSERT ON child FOR EACH ROW SET NEW.plain_id = NEW.plain_id;
  CREATE VIEW a_view AS SELECT id FROM plain;
`;
const VERSIONED = `
  CREATE TABLE versioned (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;
  CREATE TABLE versioned_explicit (id INT NOT NULL, v INT,
    rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START, re TIMESTAMP(6) GENERATED ALWAYS AS ROW END,
    PRIMARY KEY (id), PERIOD FOR SYSTEM_TIME (rs, re)) WITH SYSTEM VERSIONING;
`;

beforeAll(async () => {
  mariadb = (await serverFlavor()) === 'mariadb';
  target = await schemas.create('intro');
  await sql(target, DDL + (mariadb ? VERSIONED : ''));
  const c = await connect(target);
  try {
    info = await introspectSchema(c, target.schema);
  } finally {
    await c.close();
  }
});
afterAll(() => schemas.drop());

describe('introspectSchema', () => {
  it('reads base tables, not views', () => {
    const names = [...info.tables.keys()].sort();
    expect(names).not.toContain('a_view');
    expect(names).toEqual(expect.arrayContaining(['by_prefix', 'child', 'plain', 'two_uniques']));
  });

  it('reads columns with families and generated-ness; JSON is JSON on either server', () => {
    const plain = info.tables.get('plain');
    const col = (n: string) => plain?.columns.find((c) => c.name === n);
    expect(col('doc')?.family).toBe('json');
    expect(col('g')?.generated).toBe('virtual');
    expect(col('s')?.generated).toBe('stored');
    expect(col('t')?.family).toBe('text');
    expect(plain?.identity).toEqual({ kind: 'primary', columns: ['id'] });
  });

  it('never takes a prefix index as the identity; picks NOT NULL unique keys by name', () => {
    expect(info.tables.get('by_prefix')?.identity).toEqual({
      kind: 'unique',
      index: 'b_whole',
      columns: ['n'],
    });
    expect(info.tables.get('two_uniques')?.identity).toEqual({
      kind: 'unique',
      index: 'ux',
      columns: ['x'],
    });
  });

  it('reads foreign keys and triggers', () => {
    const child = info.tables.get('child');
    expect(child?.foreignKeys).toEqual([
      {
        name: 'fk_plain',
        columns: ['plain_id'],
        refSchema: target.schema,
        refTable: 'plain',
        refColumns: ['id'],
        onUpdate: 'RESTRICT',
        onDelete: 'CASCADE',
      },
    ]);
    expect(child?.triggers.map((t) => [t.name, t.timing, t.event])).toEqual([
      ['trg_child', 'BEFORE', 'INSERT'],
    ]);
  });

  it('reads system-versioned tables (MariaDB), without their row start/end columns', () => {
    if (!mariadb) return;
    const v = info.tables.get('versioned');
    expect(v?.columns.map((c) => c.name)).toEqual(['id', 'v']);
    const e = info.tables.get('versioned_explicit');
    // MariaDB adds the row end column to the primary key: the identity is the user's key
    expect(e?.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(e?.identity).toEqual({ kind: 'primary', columns: ['id'] });
  });
});

describe('diff of system-versioned tables (MariaDB)', () => {
  it('compares their current rows, not the transaction times', async () => {
    if (!mariadb) return;
    const b = await schemas.create('sv_b');
    const i = await schemas.create('sv_i');
    await sql(
      b,
      `${VERSIONED} INSERT INTO versioned VALUES (1,1),(2,2),(3,3);
      INSERT INTO versioned_explicit (id, v) VALUES (1,1),(2,2),(3,3);`,
    );
    // rows written later (other row start times), one edited, one deleted (history kept)
    await sql(
      i,
      `${VERSIONED} INSERT INTO versioned VALUES (1,1),(2,2),(3,3);
      INSERT INTO versioned_explicit (id, v) VALUES (1,1),(2,2),(3,3);
      UPDATE versioned SET v = 20 WHERE id = 2; DELETE FROM versioned WHERE id = 3;
      UPDATE versioned_explicit SET v = 20 WHERE id = 2;`,
    );
    const doc = await diffSchemas(b, i, { chunkRows: 1 });
    expect(counts(tableOf(doc, 'versioned'))).toEqual({
      identical: 1,
      changed: 1,
      onlyBackup: 1,
      onlyInterim: 0,
    });
    expect(counts(tableOf(doc, 'versioned_explicit'))).toEqual({
      identical: 2,
      changed: 1,
      onlyBackup: 0,
      onlyInterim: 0,
    });
    expect(tableOf(doc, 'versioned_explicit').changedColumns).toEqual({ v: 1 });
  });
});
