import { describe, expect, it } from 'vitest';
import type { LoggedWrite, TextRow } from '../../bench/load-generator.js';
import type { ConflictLine } from '../../src/apply/live-run.js';
import { checkLoadRun, type LoadRun } from '../support/live-load-checks.js';
import type { BatchWindow, PlanUnit } from '../support/live-load-plan.js';

/**
 * The live-load test's checks catch what they are there for: a write overwritten, an action not
 * applied, a deferral the writes do not explain or a write that should have caused one, a row
 * referencing a deferred parent applied anyway. A small hand-made run, then one fault at a time.
 */
const unit = (
  u: Partial<PlanUnit> & Pick<PlanUnit, 'table' | 'index' | 'op' | 'key'>,
): PlanUnit => ({
  to: null,
  row: null,
  before: null,
  ...u,
});

const UNITS: PlanUnit[] = [
  unit({
    table: 'customer',
    index: 0,
    op: 'update',
    key: '5',
    row: { id: '5', name: 'plan' },
    before: { id: '5', name: 'old' },
  }),
  unit({ table: 'customer', index: 1, op: 'copy', key: '7', row: { id: '7', name: 'b7' } }),
  unit({ table: 'orders', index: 0, op: 'copy', key: '70', row: { id: '70', customer_id: '7' } }),
];

const BATCHES: BatchWindow[] = [
  { seq: 2, table: 'customer', first: 0, end: 2, lower: 1000, upper: 1100 },
  { seq: 3, table: 'orders', first: 0, end: 1, lower: 1100, upper: 1200 },
];

function write(
  table: string,
  key: string,
  op: LoggedWrite['op'],
  row: TextRow,
  at: number,
): LoggedWrite {
  return {
    table,
    key,
    op,
    row,
    parent: null,
    n: at,
    phase: 'run',
    began: at - 2,
    committed: at,
    latencyMs: 2,
    serviceMs: 2,
  };
}

function conflict(
  table: string,
  index: number,
  op: ConflictLine['op'],
  key: string,
  reason: ConflictLine['reason'],
): ConflictLine {
  return { table, batch: 2, index, op, key: { id: key }, to: null, reason, wanted: '', now: null };
}

const APP_ROW = { id: '5', name: 'app' };

/** The target's rows after the run, by table and key. */
function targetRows(): Map<string, Map<string, TextRow>> {
  return new Map([
    [
      'customer',
      new Map<string, TextRow>([
        ['5', APP_ROW],
        ['7', { id: '7', name: 'b7' }],
      ]),
    ],
    ['orders', new Map<string, TextRow>([['70', { id: '70', customer_id: '7' }]])],
  ]);
}

function run(over: Partial<LoadRun> = {}): LoadRun {
  return {
    units: UNITS,
    batches: BATCHES,
    conflicts: [conflict('customer', 0, 'update', '5', 'changed')],
    log: [write('customer', '5', 'update', APP_ROW, 500)],
    references: [{ table: 'orders', column: 'customer_id', parent: 'customer' }],
    target: targetRows(),
    ...over,
  };
}

describe('live-load checks', () => {
  it('a run that did what it should passes every check', () => {
    const f = checkLoadRun(run());
    expect([f.overwritten, f.notApplied, f.wrongDeferrals]).toEqual([[], [], []]);
    expect(f.counts).toMatchObject({ writes: 1, untouchedUnits: 2, ambiguous: 0 });
  });

  it('(a) a write overwritten by the plan', () => {
    const target = targetRows();
    target.get('customer')?.set('5', { id: '5', name: 'plan' });
    expect(checkLoadRun(run({ target })).overwritten).toHaveLength(1);
  });

  it('(b) an action on a row nobody wrote, not applied', () => {
    const target = targetRows();
    target.get('customer')?.delete('7');
    expect(checkLoadRun(run({ target })).notApplied).toEqual([
      "customer#1#7 (copy): the target does not hold the action's row",
    ]);
  });

  it('(c) a write before the batch not deferred, and a deferral no write before the batch explains', () => {
    expect(checkLoadRun(run({ conflicts: [] })).wrongDeferrals).toHaveLength(1);
    const late = [write('customer', '5', 'update', APP_ROW, 1300)];
    expect(checkLoadRun(run({ log: late })).wrongDeferrals).toHaveLength(1);
    // during the batch: either way
    const during = [write('customer', '5', 'update', APP_ROW, 1050)];
    const f = checkLoadRun(run({ log: during }));
    expect(f.wrongDeferrals).toEqual([]);
    expect(f.counts.ambiguous).toBe(1);
  });

  it('(c) a child of a deferred copy must be parent-deferred, and only such a child', () => {
    const log = [
      write('customer', '5', 'update', APP_ROW, 500),
      write('customer', '7', 'insert', { id: '7', name: 'app' }, 600),
    ];
    const taken = [
      conflict('customer', 0, 'update', '5', 'changed'),
      conflict('customer', 1, 'copy', '7', 'taken'),
    ];
    expect(checkLoadRun(run({ log, conflicts: taken })).wrongDeferrals).toEqual([
      'orders#0#70 (copy): applied, though it references customer 7',
    ]);
    const both = [...taken, conflict('orders', 0, 'copy', '70', 'parent-deferred')];
    expect(checkLoadRun(run({ log, conflicts: both })).wrongDeferrals).toEqual([]);
    const stray = [...run().conflicts, conflict('orders', 0, 'copy', '70', 'parent-deferred')];
    expect(checkLoadRun(run({ conflicts: stray })).wrongDeferrals).toEqual([
      'orders#0#70 (copy): parent-deferred, references no deferred parent',
    ]);
  });

  it('reports a child left under the old key of a row the plan moved', () => {
    const move = unit({
      table: 'customer',
      index: 0,
      op: 'update',
      key: '51',
      to: '101',
      row: { id: '101', name: 's' },
      before: { id: '51', name: 's' },
    });
    const rewire = unit({
      table: 'orders',
      index: 0,
      op: 'update',
      key: '201',
      row: { id: '201', customer_id: '101', amount: '1.00' },
      before: { id: '201', customer_id: '51', amount: '1.00' },
    });
    const edited = { id: '201', customer_id: '51', amount: '9.99' };
    const f = checkLoadRun({
      units: [move, rewire],
      batches: [
        { seq: 2, table: 'customer', first: 0, end: 1, lower: 1000, upper: 1100 },
        { seq: 3, table: 'orders', first: 0, end: 1, lower: 1100, upper: 1200 },
      ],
      conflicts: [{ ...conflict('orders', 0, 'update', '201', 'changed'), batch: 3 }],
      log: [write('orders', '201', 'update', edited, 500)],
      references: [{ table: 'orders', column: 'customer_id', parent: 'customer' }],
      target: new Map([
        ['customer', new Map<string, TextRow>([['101', { id: '101', name: 's' }]])],
        ['orders', new Map<string, TextRow>([['201', edited]])],
      ]),
    });
    expect(f.wrongDeferrals).toEqual([
      "orders#0#201 (update): deferred changed, but it only rewrites a reference the generator left as the plan saw it: it applies over the generator's edit",
    ]);
    expect(f.stranded).toEqual([
      {
        table: 'orders',
        key: '201',
        why: 'its rewire customer_id 51 → 101 was deferred (changed); customer 51 moved to 101',
      },
    ]);
  });
});
