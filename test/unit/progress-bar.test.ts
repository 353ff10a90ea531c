import { describe, expect, it } from 'vitest';
import { createProgress, duration, progressLine } from '../../src/cli/progress-bar.js';
import { LiveRegion } from '../../src/live-region.js';

/** A terminal that records what is written to it. */
function fakeTerminal(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 100, writes, write: (s: string) => writes.push(s) };
}

describe('progress', () => {
  it('shows rows done / total, percent, rate and ETA', () => {
    const t = { total: 1000, done: 500, started: 0 };
    expect(progressLine('orders', t, 2000, 'rows')).toBe(
      'orders  500 / ~1,000 rows  50%  250 rows/s  ETA 2s',
    );
    // Past the estimate: rows and rate only.
    expect(progressLine('orders', { ...t, done: 1500 }, 3000, 'rows')).toBe(
      'orders  1,500 rows  500 rows/s',
    );
    expect(progressLine('orders', { ...t, done: 0 }, 0, 'rows')).toBe(
      'orders  0 / ~1,000 rows  0%',
    );
    expect([duration(7), duration(185), duration(7440)]).toEqual(['7s', '3m05s', '2h04m']);
  });

  it('draws one line per table on a terminal and erases it when the table is done', () => {
    const term = fakeTerminal(true);
    const p = createProgress('rows', term);
    p.tableStarted('customers', 1000);
    p.tableStarted('orders', 5000);
    const drawn = term.writes.join('');
    expect(drawn).toContain('customers  0 / ~1,000 rows');
    expect(drawn).toContain('orders  0 / ~5,000 rows');
    p.tableDone('customers');
    p.tableDone('orders');
    // The last write erases the region's last line: nothing is left on screen.
    expect(term.writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes nothing at all when stderr is not a terminal', () => {
    const term = fakeTerminal(false);
    const p = createProgress('rows', term);
    p.tableStarted('orders', 10);
    p.rowsDone('orders', 10);
    p.tableDone('orders');
    expect(term.writes).toEqual([]);
  });

  it('writes log lines above the progress lines, never into them', () => {
    const term = fakeTerminal(true);
    const region = new LiveRegion(term);
    region.set(['a 1%', 'b 2%']);
    region.writeAbove('log line\n');
    expect(term.writes).toEqual([
      'a 1%\nb 2%',
      '\r\x1b[2K\x1b[1A\x1b[2K', // up to the region's first line, clearing both
      'log line\n',
      'a 1%\nb 2%',
    ]);
  });
});
