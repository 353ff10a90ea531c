import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVerifiedPlan } from '../../src/plan/plan-files.js';
import { incidentRows } from '../support/incident-rows.js';
import { type Loaded, loadInto, planLoaded } from '../support/plan-fixture.js';
import { sql, TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
afterAll(() => schemas.drop());

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const path = join(f.parentPath, f.name);
    out[path.slice(dir.length)] = await readFile(path);
  }
  return out;
}

/**
 * Parents whose every 5th id collided, and children where collisions (ids ≡ 0 mod 3) and
 * interim-only rows that follow a moved parent (ids ≡ 1 mod 3) interleave: within one chunk the
 * diff lists changed rows before one-sided ones, so a plan that wrote in chunk order would
 * change with the chunk size.
 */
async function interleaved(): Promise<Loaded> {
  const ddl = `CREATE TABLE p (id INT PRIMARY KEY, created_at DATETIME NOT NULL);
    CREATE TABLE c (id INT PRIMARY KEY, p_id INT NOT NULL, created_at DATETIME NOT NULL, FOREIGN KEY (p_id) REFERENCES p (id));`;
  const rows = incidentRows();
  const backup = await schemas.create('det_gen_b');
  const interim = await schemas.create('det_gen_i');
  await sql(
    backup,
    `${ddl} INSERT INTO p VALUES ${rows.backup.p}; INSERT INTO c VALUES ${rows.backup.c};`,
  );
  await sql(
    interim,
    `${ddl} SET FOREIGN_KEY_CHECKS=0; INSERT INTO p VALUES ${rows.interim.p}; INSERT INTO c VALUES ${rows.interim.c};`,
  );
  const configText =
    'incident:\n  start: "2020-01-01T00:00:00Z"\ndefaults:\n  createdAt: created_at\n';
  return {
    scenario: {
      name: 'generated',
      dir: '',
      backupSql: '',
      interimSql: '',
      configText,
      expected: { tables: {} },
    },
    backup,
    interim,
  };
}

describe('a plan is deterministic', () => {
  it.each(['generated', 'collisions-chain', 'unique-conflict', 'keyless', 'composite-keys'])(
    '%s: the same inputs give the same planId and byte-identical files, however the diff chunks',
    async (name) => {
      const l = name === 'generated' ? await interleaved() : await loadInto(schemas, name, 'det');
      const a = await planLoaded(l, { chunkRows: 1 });
      const b = await planLoaded(l, { chunkRows: 3 });
      const c = await planLoaded(l);
      expect(b.manifest.planId).toBe(a.manifest.planId);
      expect(c.manifest.planId).toBe(a.manifest.planId);
      const fa = await filesOf(a.dir);
      expect(Object.keys(fa).sort()).toEqual(
        ['/plan.json', '/plan.sql', ...a.manifest.tables.map((t) => `/${t.file}`)].sort(),
      );
      expect(await filesOf(b.dir)).toEqual(fa);
      expect(await filesOf(c.dir)).toEqual(fa);
      // What apply will check: the id recomputes from the files.
      expect((await loadVerifiedPlan(a.dir)).planId).toBe(a.manifest.planId);
    },
  );
});
