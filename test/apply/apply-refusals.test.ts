import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_TABLE } from '../../src/apply/journal.js';
import { lockName } from '../../src/apply/lock.js';
import type { ErrorDocument } from '../../src/cli/exit.js';
import { connect } from '../../src/db/mysql.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { type CliResult, runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { buildPlan, planDigests, schemaDigests } from '../support/plan-builder.js';
import { sql, TestSchemas, urlOf } from '../support/schemas.js';
import { makeShop, type Shop, shopPlan } from '../support/shop-fixture.js';

const schemas = new TestSchemas();
const dirs: string[] = [];
afterAll(async () => {
  await schemas.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(label: string): Promise<{ shop: Shop; dir: string; plan: PlanManifest }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
  dirs.push(dir);
  const shop = await makeShop(schemas, label, 40);
  return { shop, dir, plan: await shopPlan(shop, dir) };
}

const execute = (dir: string, ...more: string[]): Promise<CliResult> =>
  runCli(['apply', '--plan', dir, '--execute', '--json', '--log-level', 'warn', ...more]);

/** What the `--json` error document must say: scripts branch on `reason` and `table`. */
interface Refusal {
  readonly exit: number;
  readonly reason: string;
  /** the table concerned, `schema.table` of the target; absent when none is */
  readonly table?: string;
}

/**
 * One line on stderr, the documented exit code, one `--json` document with the reason (and the
 * table), and the target exactly as it was (without a journal table, unless `journal` says an
 * earlier run left one).
 */
async function expectRefused(
  r: CliResult,
  want: Refusal,
  message: RegExp,
  shop: Shop,
  before: Record<string, unknown>,
  journal = false,
): Promise<void> {
  expect(r.stderr).toMatch(/^reconcile: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code, r.stderr).toBe(want.exit);
  const doc = (JSON.parse(r.stdout) as ErrorDocument).error;
  expect(doc).toMatchObject({ exit: want.exit, reason: want.reason });
  expect(doc.table).toBe(want.table);
  expect(`reconcile: ${doc.message}\n`).toBe(r.stderr);
  expect(await schemaDigests(shop.interim)).toEqual(before);
  const c = await connect(shop.interim);
  try {
    const j = await c.query(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [shop.interim.schema, JOURNAL_TABLE],
    );
    expect(j.length).toBe(journal ? 1 : 0);
  } finally {
    await c.close();
  }
}

describe('apply refuses, with exit 3 and nothing written', () => {
  it('a stale plan: the target changed since the plan was made (a dry run says so)', async () => {
    const { shop, dir } = await fresh('stale');
    await sql(shop.interim, "UPDATE customer SET name = 'changed meanwhile' WHERE id = 3");
    const before = await schemaDigests(shop.interim);
    const msg = /customer has the expected 22 rows but other contents .*make the plan again/;
    // The first table whose digest differs is the document's `table`.
    const stale = { exit: 3, reason: 'stale-plan', table: `${shop.interim.schema}.customer` };
    await expectRefused(await execute(dir), stale, msg, shop, before);
    const rehearse = await runCli(['rehearse', '--plan', dir, '--json']);
    await expectRefused(rehearse, stale, msg, shop, before);
    // Without --execute nothing is written: the dry run lists what --execute would refuse.
    const dry = await runCli(['apply', '--plan', dir, '--json', '--log-level', 'warn']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { wouldRefuse: { reason: string; message: string }[] };
    expect(report.wouldRefuse.map((w) => w.reason)).toEqual(['stale-plan']);
    expect(report.wouldRefuse[0]?.message).toMatch(msg);
    const text = await runCli(['apply', '--plan', dir, '--log-level', 'warn']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/WOULD REFUSE \(stale-plan\): .*customer has the expected 22 rows/);
    expect(text.stdout).toContain('--execute would be refused');
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });

  it('an edited, truncated or extended plan', async () => {
    const { shop, dir, plan } = await fresh('edited');
    const before = await schemaDigests(shop.interim);
    const file = join(dir, plan.tables[1]?.file as string);
    const original = await readFile(file);
    const text = gunzipSync(original).toString('utf8');
    // An action file belongs to one table: the document names it.
    const edited = { exit: 3, reason: 'edited-plan', table: `${shop.interim.schema}.orders` };

    await writeFile(file, gzipSync(text.replace('"99.99"', '"9.99"')));
    await expectRefused(
      await execute(dir),
      edited,
      /orders\.jsonl\.gz was edited or truncated \(sha256 differs from plan\.json\)/,
      shop,
      before,
    );
    // Its gzip stream cut short, a compressed byte changed, bytes appended: one line, exit 3,
    // never zlib's stack trace.
    const broken = /orders\.jsonl\.gz was edited or truncated \(not a whole gzip file: [^\n]+\)$/m;
    await truncate(file, original.length - 100);
    await expectRefused(await execute(dir), edited, broken, shop, before);
    const flipped = Buffer.from(original);
    flipped[original.length >> 1] = (flipped[original.length >> 1] ?? 0) ^ 0x10;
    await writeFile(file, flipped);
    await expectRefused(await execute(dir), edited, broken, shop, before);
    await writeFile(file, original);
    await appendFile(file, text.split('\n')[0] as string);
    await expectRefused(await execute(dir), edited, broken, shop, before);
    await writeFile(file, original);

    const manifest = await readFile(join(dir, 'plan.json'), 'utf8');
    await writeFile(join(dir, 'plan.json'), manifest.replace('"next": "6000"', '"next": "7000"'));
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'edited-plan' },
      /plan\.json was edited/,
      shop,
      before,
    );
    await writeFile(join(dir, 'plan.json'), manifest);
    expect((await execute(dir)).code).toBe(0);
  });

  it('another run holds the lock: says which connection', async () => {
    const { shop, dir } = await fresh('lock');
    const before = await schemaDigests(shop.interim);
    const holder = await connect(shop.interim);
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName(shop.interim.schema)]);
      const msg = new RegExp(`holds the lock on .*held by connection ${holder.threadId}, root@`);
      const held = { exit: 3, reason: 'lock-held' };
      // --lock-wait 0: refused at once (test/apply/lock-wait.test.ts waits for it).
      await expectRefused(await execute(dir, '--lock-wait', '0'), held, msg, shop, before);
      await expectRefused(
        await runCli(['rollback', '--plan', dir, '--execute', '--lock-wait', '0', '--json']),
        held,
        msg,
        shop,
        before,
      );
    } finally {
      await holder.close();
    }
    expect((await execute(dir)).code).toBe(0);
  });

  it('triggers on a written table, unless --allow-triggers', async () => {
    const { shop, dir, plan } = await fresh('trig');
    await sql(
      shop.interim,
      `CREATE TABLE trigger_log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20));
       CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO trigger_log (what) VALUES ('order');`,
    );
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'triggers', table: `${shop.interim.schema}.orders` },
      /triggers would fire on the plan's writes: orders \(orders_ai AFTER INSERT\); rerun with --allow-triggers/,
      shop,
      before,
    );
    const ok = await runCli(['apply', '--plan', dir, '--execute', '--allow-triggers']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'triggers accepted (--allow-triggers): orders (orders_ai AFTER INSERT)',
    );
    const after = await schemaDigests(shop.interim);
    expect(after.trigger_log?.count).toBe(String(plan.tables[1]?.actions.insert));
  });

  it('unresolved actions', async () => {
    const shop = await makeShop(schemas, 'unres', 20);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(dir);
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [{ op: 'unresolved', key: { id: '3' }, reason: 'onChanged=manual' }],
        },
      ],
    });
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'unresolved', table: `${shop.interim.schema}.customer` },
      /the plan has 1 unresolved action \(customer 1\)/,
      shop,
      before,
    );
    // The dry run says what it would do and that --execute would refuse, exit 0.
    const dry = await runCli(['apply', '--plan', dir, '--json', '--log-level', 'warn']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { outcome: string; wouldRefuse: { reason: string }[] };
    expect(report.outcome).toBe('would-apply');
    expect(report.wouldRefuse.map((w) => w.reason)).toEqual(['unresolved']);
    expect(await schemaDigests(shop.interim)).toEqual(before);
  });

  it('a partly applied plan whose target changed since is refused, not resumed', async () => {
    const { shop, dir, plan } = await fresh('partial');
    // Another plan, made from the same state before this one was (partly) applied.
    const other = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(other);
    await buildPlan({
      dir: other,
      backup: shop.backup,
      interim: shop.interim,
      tables: [{ table: 'customer', actions: [{ op: 'delete', key: { id: '2' } }] }],
    });
    // One writer, so batch 4 is the fourth of one sequence.
    await killAt(
      ['apply', '--plan', dir, '--execute', '--parallel', '1', '--batch-rows', '5'],
      'batch:4',
    );
    const customer = `${shop.interim.schema}.customer`;
    const o = await execute(other);
    expect(o.stderr).toMatch(
      new RegExp(
        `changed since the plan was made: .*journal shows plan ${plan.planId.slice(0, 12)} partly applied here`,
      ),
    );
    expect(o.code).toBe(3);
    expect(JSON.parse(o.stdout)).toMatchObject({
      error: { exit: 3, reason: 'stale-plan', table: customer },
    });
    await sql(shop.interim, "UPDATE customer SET name = 'meanwhile' WHERE id = 1");
    const before = await schemaDigests(shop.interim);
    const mismatch = { exit: 3, reason: 'journal-mismatch', table: customer };
    await expectRefused(
      await execute(dir),
      mismatch,
      /^reconcile: .* is not in the state this plan's journal records \(3 batches applied\): customer has/,
      shop,
      before,
      true,
    );
    await expectRefused(
      await runCli(['rollback', '--plan', dir, '--execute', '--json']),
      mismatch,
      /is not in the state this plan's journal records: customer has .*undoing now would overwrite those changes/,
      shop,
      before,
      true,
    );
    expect(before).not.toEqual(planDigests(plan, 'before'));
  });

  it("a target that already holds the plan's result, without a journal: already-merged", async () => {
    const { shop, dir } = await fresh('merged');
    expect((await execute(dir)).code).toBe(0);
    await sql(shop.interim, `DROP TABLE ${JOURNAL_TABLE}`);
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'already-merged' },
      /already holds what the plan would make \(its after digests\) but has no journal of it/,
      shop,
      before,
    );
  });

  it('a rehearsal of a plan already applied: journaled', async () => {
    const { shop, dir } = await fresh('jrnl');
    expect((await execute(dir)).code).toBe(0);
    const before = await schemaDigests(shop.interim);
    for (const mode of [[], ['--in-place']]) {
      await expectRefused(
        await runCli(['rehearse', '--plan', dir, '--json', ...mode]),
        { exit: 3, reason: 'journaled' },
        /the plan is applied on .* \(its journal says so\): a rehearsal comes before the apply/,
        shop,
        before,
        true,
      );
    }
  });

  it('a table of the plan dropped or altered since: schema-changed, naming it', async () => {
    const { shop, dir } = await fresh('schema');
    await sql(shop.interim, 'ALTER TABLE customer ADD COLUMN note VARCHAR(10) NULL');
    let before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'schema-changed', table: `${shop.interim.schema}.customer` },
      /customer has columns \(email, id, name, note, updated_at\), the plan was made for \(email, id, name, updated_at\)/,
      shop,
      before,
    );
    await sql(shop.interim, 'ALTER TABLE customer DROP COLUMN note; DROP TABLE audit');
    before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'schema-changed', table: `${shop.interim.schema}.audit` },
      /table "audit" of the plan is missing from /,
      shop,
      before,
    );
  });

  it('a row that is not the one the plan saw: row-changed, naming the table and the batch', async () => {
    const shop = await makeShop(schemas, 'rowch', 20);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(dir);
    // The table's digest is the plan's (the stale check passes), but the row's before-image is
    // not: as when the row changed between the plan's reads.
    const row = { id: '3', email: 'c3@shop.test', name: 'seen by the plan' };
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [
            {
              op: 'update',
              key: { id: '3' },
              set: { name: 'x' },
              before: { ...row, updated_at: '2020-02-20 10:00:00.003' },
            },
          ],
        },
      ],
    });
    const before = await schemaDigests(shop.interim);
    const r = await execute(dir);
    await expectRefused(
      r,
      { exit: 3, reason: 'row-changed', table: `${shop.interim.schema}.customer` },
      /customer: the row at \{"id":"3"\} is not the row the plan expects .*batch \d+ rolled back, nothing of it written/,
      shop,
      before,
      true,
    );
    expect((JSON.parse(r.stdout) as ErrorDocument).error.batch).toEqual(expect.any(Number));
  });

  it('a value the server refuses (a duplicate unique key): value-refused, naming the table', async () => {
    const shop = await makeShop(schemas, 'dupk', 20);
    const dir = await mkdtemp(join(tmpdir(), 'reconcile-refuse-'));
    dirs.push(dir);
    const row = { id: '7777', email: 'c1@shop.test', name: 'twin', updated_at: '2020-02-20' };
    await buildPlan({
      dir,
      backup: shop.backup,
      interim: shop.interim,
      tables: [
        {
          table: 'customer',
          actions: [
            { op: 'insert', row: { ...row, updated_at: `${row.updated_at} 10:00:00.000` } },
          ],
        },
      ],
    });
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir),
      { exit: 3, reason: 'value-refused', table: `${shop.interim.schema}.customer` },
      /a duplicate key: .* on .*customer batch (\d+) .*nothing of batch \1 was written; no batch of this plan is applied: make the plan again/,
      shop,
      before,
      true,
    );
  });

  it('a --target that names another schema is a usage error (exit 2)', async () => {
    const { shop, dir } = await fresh('url');
    const before = await schemaDigests(shop.interim);
    await expectRefused(
      await execute(dir, '--target', urlOf('somewhere_else')),
      { exit: 2, reason: 'bad-usage' },
      /--target .*somewhere_else is not the plan's target .*host, port and schema must match/,
      shop,
      before,
    );
    expect((await execute(dir, '--target', urlOf(shop.interim.schema))).code).toBe(0);
  });
});
