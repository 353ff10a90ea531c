import { describe, expect, it } from 'vitest';
import { ModeTracker } from '../../src/checksum/prepass-table.js';

describe('ModeTracker', () => {
  it('lists once most chunks differ, and checksums again once they stop', () => {
    const m = new ModeTracker();
    expect(m.current()).toBe('checksum');
    m.record(true);
    expect(m.current()).toBe('checksum'); // one differing chunk says little
    m.record(true);
    m.record(true);
    expect(m.current()).toBe('list');
    m.record(false);
    expect(m.current()).toBe('list'); // no flapping on one clean chunk
    for (let k = 0; k < 4; k++) m.record(false);
    expect(m.current()).toBe('checksum');
  });

  it('stays with checksums when differences are rare', () => {
    const m = new ModeTracker();
    for (let k = 0; k < 100; k++) {
      m.record(k % 10 === 0);
      expect(m.current()).toBe('checksum');
    }
  });
});
