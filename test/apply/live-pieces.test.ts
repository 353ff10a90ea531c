import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { connect } from '../../src/db/mysql.js';
import { quoteTable } from '../../src/db/quote.js';
import type { DbTarget } from '../../src/db/url.js';
import { JOURNAL_TABLE } from '../../src/introspect/reserved.js';
import { runCli } from '../support/cli.js';
import { killAt } from '../support/kill.js';
import { makeLiveShop, planLiveShop } from '../support/live-fixture.js';
import { TestSchemas } from '../support/schemas.js';

/**
 * apply --live writes a copy action larger than its batch in pieces, each a transaction with
 * its journal row. Killed right after a piece and run again, it goes on with the action's
 * other keys: the keys the earlier pieces copied are not taken for the application's rows
 * (nothing deferred), and the target ends as an uninterrupted run leaves it.
 */
const schemas = new TestSchemas();
afterAll(() => schemas.drop());

async function query<T>(t: DbTarget, q: string): Promise<T[]> {
  const c = await connect(t);
  try {
    return await c.query<T & Record<string, unknown>>(q);
  } finally {
    await c.close();
  }
}

/** Every row of the shop's tables, as text. */
async function contents(t: DbTarget): Promise<string> {
  const out: unknown[] = [];
  for (const table of ['merchant', 'customer', 'orders'])
    out.push(await query(t, `SELECT * FROM ${quoteTable(t.schema, table)} ORDER BY id`));
  return JSON.stringify(out);
}

/** Journal rows of pieces that end no action (a copy action written in several pieces). */
async function partialPieces(t: DbTarget): Promise<number[]> {
  const rows = await query<{ seq: number }>(
    t,
    `SELECT seq FROM ${quoteTable(t.schema, JOURNAL_TABLE)}
      WHERE kind = 'batch' AND first_action = end_action ORDER BY seq`,
  );
  return rows.map((r) => Number(r.seq));
}

// Batches of 7 actions (35 copied rows) that never grow or shrink: the same batches each run.
const live = ['--live', '--batch-rows', '7', '--batch-seconds', '1000'];

describe('apply --live: copy actions in pieces', () => {
  it('killed after a piece and run again, finishes the action without deferring its own rows', async () => {
    const whole = await makeLiveShop(schemas, 'lpw', { customers: 300 });
    const w = await planLiveShop(whole);
    const quiet = ['--log-level', 'warn', ...live];
    const done = await runCli(['apply', '--plan', w.dir, '--execute', ...quiet, '--json']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect((JSON.parse(done.stdout) as ApplyReport).deferred).toBe(0);
    const pieces = await partialPieces(whole.interim);
    expect(pieces.length).toBeGreaterThan(0);

    const cut = await makeLiveShop(schemas, 'lpk', { customers: 300 });
    const c = await planLiveShop(cut);
    const args = ['apply', '--plan', c.dir, '--execute', ...quiet];
    await killAt(args, `batch:${pieces[0]}`);
    const again = await runCli([...args, '--json']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as ApplyReport;
    expect(report.outcome).toBe('resumed');
    expect(report.deferred).toBe(0);
    expect((await readFile(join(c.dir, 'conflicts.jsonl'), 'utf8')).trim()).toBe('');
    expect(await contents(cut.interim)).toBe(await contents(whole.interim));

    const verify = await runCli(['verify', '--plan', c.dir, '--live']);
    expect(verify.code).toBe(0);
  });

  it('killed after a piece: strict runs refuse and say why, rollback --live undoes the pieces', async () => {
    const probe = await makeLiveShop(schemas, 'lpp', { customers: 300 });
    const p = await planLiveShop(probe);
    const quiet = ['--log-level', 'warn', ...live];
    expect((await runCli(['apply', '--plan', p.dir, '--execute', ...quiet])).code).toBe(0);
    const pieces = await partialPieces(probe.interim);
    expect(pieces.length).toBeGreaterThan(1);

    const shop = await makeLiveShop(schemas, 'lpr', { customers: 300 });
    const before = await contents(shop.interim);
    const plan = await planLiveShop(shop);
    const args = ['apply', '--plan', plan.dir, '--execute', ...quiet];
    // Killed after the second piece of an action: two pieces written, the action not ended.
    await killAt(args, `batch:${pieces[1]}`);
    expect(await partialPieces(shop.interim)).toEqual(pieces.slice(0, 2));
    expect(await contents(shop.interim)).not.toBe(before);

    // The strict checks add up whole actions: they refuse, naming the pieces and the way on.
    const strictApply = await runCli(['apply', '--plan', plan.dir, '--execute', '--json']);
    const strictBack = await runCli(['rollback', '--plan', plan.dir, '--execute', '--json']);
    for (const [r, way] of [
      [strictApply, 'apply --execute --live'],
      [strictBack, 'rollback --execute --live'],
    ] as const) {
      expect(r.code).toBe(3);
      const e = (JSON.parse(r.stdout) as { error: { reason: string; message: string } }).error;
      expect(e.reason).toBe('journal-mismatch');
      expect(e.message).toMatch(
        /a live run stopped inside a restore of \S+ it was writing in pieces \(2 pieces, \d+ rows/,
      );
      expect(e.message).toContain(way);
    }
    expect(await contents(shop.interim)).not.toBe(before);

    const back = await runCli([
      'rollback',
      '--plan',
      plan.dir,
      '--execute',
      '--live',
      '--log-level',
      'warn',
    ]);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(await contents(shop.interim)).toBe(before);
  });
});
