import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply-plan.js';
import { newTally } from '../../src/apply/execute.js';
import { renderApplyText } from '../../src/apply/render-text.js';

/** A dry run's report: `orders` copies rows server-side, `customer` has none to copy. */
function dryRun(): ApplyReport {
  const copyNote = 'INSERT … SELECT from shop_0223 (same server)';
  const customer = { ...newTally('customer', 0, copyNote), batches: 1, inserted: 3, updated: 2 };
  const orders = { ...newTally('orders', 0, copyNote), batches: 2, copied: 40 };
  const audit = {
    ...newTally('audit', 0, 'backup on another server: restored rows streamed from it'),
    batches: 1,
    inserted: 2,
  };
  return {
    planId: 'a'.repeat(64),
    target: 'mysql://dba@db:3306/shop',
    mode: 'dry-run',
    live: false,
    deferred: 0,
    outcome: 'would-apply',
    journal: 'none',
    order: ['customer', 'orders', 'audit'],
    tables: [customer, orders, audit],
    batches: 4,
    rows: 47,
    autoIncrement: [],
    triggers: [],
    batchRows: 2000,
    seconds: { check: 0.1, write: 0, total: 0.1, paused: 0 },
    wouldRefuse: [],
  };
}

describe("apply's text report", () => {
  it('names the INSERT … SELECT copy only for a table that copies rows that way (none for a count of 0)', () => {
    const lines = renderApplyText(dryRun()).split('\n');
    expect(lines).toContain('orders: INSERT … SELECT from shop_0223 (same server)');
    expect(lines.filter((l) => l.startsWith('customer:'))).toEqual([]);
    // A note about rows sent as values shows where rows are inserted at all.
    expect(lines).toContain('audit: backup on another server: restored rows streamed from it');
  });
});
