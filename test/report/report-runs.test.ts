import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sql, TestSchemas } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const quiet = ['--log-level', 'warn'];
let dir: string;
let shop: Shop;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconcile-report-runs-'));
  shop = await makeShop(schemas, 'rruns', 20);
  await shopPlan(shop, dir);
});
afterAll(async () => {
  await schemas.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The report's verdict lines, in Markdown. */
async function verdict(): Promise<string[]> {
  const r = await runCli(['report', '--plan', dir, ...quiet]);
  expect(r.code).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => /^- \S+ (apply|applied|rolled|rehearsal|verif)/.test(l));
}

describe('report after apply, verify, rollback and a failed rehearsal', () => {
  it('shows the latest state of each step, never "verified" about a rolled-back target', async () => {
    expect((await verdict()).join('\n')).toContain('apply: no run with --execute recorded');
    expect((await runCli(['apply', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    expect((await runCli(['verify', '--plan', dir, ...quiet])).code).toBe(0);
    let lines = (await verdict()).join('\n');
    expect(lines).toMatch(/applied at \d{4}-\d\d-\d\dT[\d:.]+Z in \d+\.\d s/);
    expect(lines).toMatch(/verified: all 3 tables of .* hold exactly the planned data/);

    expect((await runCli(['rollback', '--plan', dir, '--execute', ...quiet])).code).toBe(0);
    lines = (await verdict()).join('\n');
    expect(lines).not.toMatch(/verified: all/);
    expect(lines).toMatch(
      /verified at \S+, then rolled back at \S+: the verification no longer holds/,
    );
    expect(lines).toMatch(
      /rolled back at \S+ \(applied at \S+\): the target holds its state from before the plan/,
    );

    // The target changes under the plan: rehearse refuses, leaving no rehearsal.json.
    await sql(shop.interim, "UPDATE customer SET name = 'changed since the plan' WHERE id = 1");
    const rehearse = await runCli(['rehearse', '--plan', dir, ...quiet]);
    expect(rehearse.code).not.toBe(0);
    lines = (await verdict()).join('\n');
    expect(lines).not.toContain('rehearsal: not run');
    expect(lines).toMatch(/rehearsal FAILED at \S+ \(stale-plan: /);

    const log = (await readFile(join(dir, 'runs.jsonl'), 'utf8')).trim().split('\n');
    expect(log.map((l) => (JSON.parse(l) as { command: string; outcome: string }).command)).toEqual(
      ['apply', 'verify', 'rollback', 'rehearse'],
    );
    expect(log.join('\n')).not.toMatch(/password/i);
  });
});
