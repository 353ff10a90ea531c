import { describe, expect, it } from 'vitest';
import {
  backupRows,
  generateIncident,
  type InterimSummary,
  interimRows,
  type TableRow,
} from '../../src/demo/incident.js';
import { incidentTruth } from '../../src/demo/incident-truth.js';
import { SHOP_TABLES } from '../../src/demo/shop-schema.js';

/** A generator's rows by table, and its return value. */
function collect<R>(g: Generator<TableRow, R>): { rows: Record<string, unknown[]>; value: R } {
  const rows: Record<string, unknown[]> = Object.fromEntries(SHOP_TABLES.map((t) => [t, []]));
  for (;;) {
    const n = g.next();
    if (n.done) return { rows, value: n.value };
    rows[n.value.table]?.push(n.value.row);
  }
}

describe('the demo incident, streamed', () => {
  for (const [rows, seed] of [
    [50, 1],
    [800, 42],
    [3000, 20200223],
  ] as const) {
    it(`makes the rows of the whole incident, in id order, and counts what the oracle counts (${rows} rows, seed ${seed})`, () => {
      const whole = generateIncident({ rows, seed });
      const backup = collect(backupRows({ rows, seed }));
      const interim = collect<InterimSummary>(interimRows({ rows, seed }));
      expect(backup.rows).toEqual(whole.backup);
      expect(interim.rows).toEqual(whole.interim);
      expect(backup.value).toEqual(
        Object.fromEntries(SHOP_TABLES.map((t) => [t, whole.backup[t].length])),
      );
      expect(interim.value.facts).toEqual(whole.facts);
      expect(interim.value.truth).toEqual(incidentTruth(whole));
    });
  }
});
