import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { type CliResult, runCli } from '../support/cli.js';
import { incidentRows } from '../support/incident-rows.js';
import { killAt } from '../support/kill.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { tempDir } from '../support/temp.js';

/**
 * `reconcile plan` killed (SIGKILL) in the middle of its diff, then run again with the same
 * arguments: it goes on from its checkpoint and writes the plan an uninterrupted run writes
 * (same planId, byte-identical files). A table whose interim rows changed in between is diffed
 * again from its start (its digest before is then the one its actions were made from); other
 * inputs start over, saying why; a folder holding something else is still refused.
 */
const schemas = new TestSchemas();
let tmp: string;

afterAll(async () => {
  await schemas.drop();
  await rm(tmp, { recursive: true, force: true });
});
beforeAll(async () => {
  tmp = await tempDir('plan-resume');
});

interface Pair {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly config: string;
}

/**
 * Parents whose every 5th id collided (created after the incident in the interim), children
 * with collisions and interim-only rows that follow moved parents, and a table without a key.
 */
async function incident(label: string): Promise<Pair> {
  const ddl = `CREATE TABLE p (id INT PRIMARY KEY, created_at DATETIME NOT NULL);
    CREATE TABLE c (id INT PRIMARY KEY, p_id INT NOT NULL, created_at DATETIME NOT NULL,
      FOREIGN KEY (p_id) REFERENCES p (id));
    CREATE TABLE log (msg VARCHAR(10), n INT);`;
  const rows = incidentRows();
  const backup = await schemas.create(`${label}_b`);
  const interim = await schemas.create(`${label}_i`);
  await sql(
    backup,
    `${ddl} INSERT INTO p VALUES ${rows.backup.p}; INSERT INTO c VALUES ${rows.backup.c};
     INSERT INTO log VALUES ('a', 1), ('a', 1), ('b', 2);`,
  );
  await sql(
    interim,
    `${ddl} SET FOREIGN_KEY_CHECKS=0; INSERT INTO p VALUES ${rows.interim.p};
     INSERT INTO c VALUES ${rows.interim.c}; INSERT INTO log VALUES ('a', 1), ('c', 3);`,
  );
  const config = join(tmp, `${label}.yaml`);
  await writeFile(
    config,
    `backup: ${urlOf(backup.schema)}\ninterim: ${urlOf(interim.schema)}\n` +
      'incident:\n  start: "2020-01-01T00:00:00Z"\n' +
      'tables:\n  p:\n    createdAt: created_at\n  c:\n    createdAt: created_at\n',
  );
  return { backup, interim, config };
}

function plan(config: string, out: string, ...more: string[]): Promise<CliResult> {
  return runCli(['plan', '--config', config, '--out', out, '--chunk-rows', '5', ...more]);
}

function killedPlan(config: string, out: string, point: string, ...more: string[]): Promise<void> {
  return killAt(['plan', '--config', config, '--out', out, '--chunk-rows', '5', ...more], point);
}

function events(r: CliResult): Record<string, unknown>[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const path = join(f.parentPath, f.name);
    out[path.slice(dir.length)] = await readFile(path, 'utf8');
  }
  return out;
}

async function planIdOf(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as { planId: string }).planId;
}

describe('plan after a kill -9 in its diff', () => {
  it('goes on from the last recorded chunk: the same planId and byte-identical files, finished tables not diffed again', async () => {
    const x = await incident('pres');
    const whole = join(tmp, 'whole');
    const w = await plan(x.config, whole, '--log-level', 'debug');
    expect(w.code, w.stderr).toBe(0);
    const out = join(tmp, 'resumed');
    // one chunk at a time: p is done before c starts, so where the kill lands is known
    await killedPlan(x.config, out, 'checkpoint:c:3', '--concurrency', '1');
    expect(await readdir(join(`${out}.partial`, '.work'))).toContain('checkpoint.json');
    const r = await plan(x.config, out, '--log-level', 'debug', '--concurrency', '1');
    expect(r.code, r.stderr).toBe(0);
    const resumed = events(r).find((e) => e.event === 'plan.resumed');
    expect(resumed).toMatchObject({ tables: 3, resumed: [{ table: 'c' }] });
    expect(String(resumed?.msg)).toMatch(
      /^resuming the plan started at \S+: the diff of \d of 3 tables done, table c after \(id\) = \(\d+\)$/,
    );
    // p was done: its diff is not run again (no pre-pass of it); c goes on with fewer chunks
    const prepass = (x: CliResult, t: string) =>
      events(x).find((e) => e.event === 'table.prepass' && e.table === t);
    expect(prepass(w, 'p')).toBeDefined();
    expect(prepass(r, 'p')).toBeUndefined();
    expect(Number(prepass(r, 'c')?.chunks)).toBeLessThan(Number(prepass(w, 'c')?.chunks));
    expect(await planIdOf(out)).toBe(await planIdOf(whole));
    expect(await filesOf(out)).toEqual(await filesOf(whole));
    await expect(readdir(`${out}.partial`)).rejects.toThrow(/ENOENT/);
  });

  it('a table whose interim rows changed since the kill is diffed again from its start: the plan is the one made now, and apply finds it current', async () => {
    const x = await incident('pchg');
    const out = join(tmp, 'changed');
    await killedPlan(x.config, out, 'checkpoint:c:3');
    // a row of c's first (finished) chunk: a collision becomes an edit
    await sql(x.interim, `UPDATE c SET created_at = '2019-06-01 00:00:00' WHERE id = 3`);
    const r = await plan(x.config, out);
    expect(r.code, r.stderr).toBe(0);
    const now = join(tmp, 'changed-whole');
    expect((await plan(x.config, now)).code).toBe(0);
    expect(await filesOf(out)).toEqual(await filesOf(now));
    expect(await planIdOf(out)).toBe(await planIdOf(now));
    // apply's stale check compares the target with the plan's digests before: they are now's
    const dry = await runCli(['apply', '--plan', out, '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as { wouldRefuse: unknown[] }).wouldRefuse).toEqual([]);
    const restarted = events(r).find((e) => e.event === 'plan.table-restarted');
    expect(restarted).toMatchObject({ table: 'c' });
    expect(String(restarted?.msg)).toMatch(/^diffing c again from its start: the interim's rows/);
  });

  it('a spool cut shorter than its checkpoint says: that table is diffed again from its start', async () => {
    const x = await incident('pcut');
    const whole = join(tmp, 'cut-whole');
    expect((await plan(x.config, whole)).code).toBe(0);
    // the spools of the n-th table in write order: actions/(n+1)-c.jsonl.gz
    const actions = await readdir(join(whole, 'actions'));
    const n = Number(actions.find((f) => f.endsWith('-c.jsonl.gz'))?.slice(0, 3)) - 1;
    const spool = `spool-${String(n).padStart(4, '0')}.pairs`;
    const out = join(tmp, 'cut');
    await killedPlan(x.config, out, 'checkpoint:c:3');
    const work = join(`${out}.partial`, '.work');
    const saved = JSON.parse(await readFile(join(work, 'checkpoint.json'), 'utf8')) as {
      tables: Record<string, { progress: { spools: number[] } | null }>;
    };
    const pairs = saved.tables.c?.progress?.spools[0] ?? 0;
    expect(pairs).toBeGreaterThan(0);
    await truncate(join(work, spool), pairs - 1);
    const r = await plan(x.config, out);
    expect(r.code, r.stderr).toBe(0);
    expect(events(r).find((e) => e.event === 'plan.table-restarted')).toMatchObject({
      table: 'c',
      reason: `${join(work, spool)} holds ${pairs - 1} bytes, the checkpoint recorded ${pairs}`,
    });
    expect(await filesOf(out)).toEqual(await filesOf(whole));
  });

  it('another config starts over, saying why; so does --no-resume', async () => {
    const x = await incident('pcfg');
    const out = join(tmp, 'config');
    await killedPlan(x.config, out, 'checkpoint:c:3');
    const other = join(tmp, 'pcfg-other.yaml');
    await writeFile(
      other,
      `${await readFile(x.config, 'utf8')}defaults:\n  onMissingInInterim: skip\n`,
    );
    const r = await plan(other, out);
    expect(r.code, r.stderr).toBe(0);
    const restarted = events(r).find((e) => e.event === 'plan.restarted');
    expect(String(restarted?.msg)).toMatch(
      /^starting over, not resuming the interrupted plan in \S+\.partial: the config's defaults changed/,
    );
    const fresh = join(tmp, 'config-whole');
    expect((await plan(other, fresh)).code).toBe(0);
    expect(await planIdOf(out)).toBe(await planIdOf(fresh));

    const again = join(tmp, 'no-resume');
    await killedPlan(x.config, again, 'checkpoint:c:2');
    const n = await plan(x.config, again, '--no-resume');
    expect(n.code, n.stderr).toBe(0);
    expect(String(events(n).find((e) => e.event === 'plan.restarted')?.msg)).toMatch(
      /: --no-resume$/,
    );
    expect(events(n).find((e) => e.event === 'plan.resumed')).toBeUndefined();
  });

  it('a folder holding something else is still refused, and the checkpoint is left as it was', async () => {
    const x = await incident('pref');
    const out = join(tmp, 'refused');
    await killedPlan(x.config, out, 'checkpoint:c:2');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    const checkpoint = join(`${out}.partial`, '.work', 'checkpoint.json');
    const before = await readFile(checkpoint);
    const r = await plan(x.config, out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the folder is not empty/);
    const f = await plan(x.config, out, '--force');
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/holds files but no plan\.json/);
    expect(await readFile(checkpoint)).toEqual(before);
    await rm(join(out, 'notes.txt'));
    const ok = await plan(x.config, out);
    expect(ok.code, ok.stderr).toBe(0);
    expect(events(ok).find((e) => e.event === 'plan.resumed')).toBeDefined();
  });
});
