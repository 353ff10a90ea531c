import { quoteId, quoteTable } from '../db/quote.js';
import { PreconditionError } from '../errors.js';
import type { SidePools } from './fresh-ids.js';
import type { PlannedPair } from './prepare-tables.js';

/**
 * A key the config names must identify rows as a key would: on both sides, no row holds a NULL
 * in it and no two rows hold the same value (as the server compares them, under the columns'
 * collations). One scan of each side per such table, before the diff; refused otherwise, with
 * the counts, since rows addressed by a value two rows hold would be written twice.
 */
export async function checkConfiguredKeys(
  planned: readonly PlannedPair[],
  sides: SidePools,
): Promise<void> {
  const problems: string[] = [];
  let first: string | undefined;
  for (const p of planned) {
    const key = p.policy.key;
    if (!key || p.pair.identity.kind === 'none') continue;
    const cols = p.pair.identity.columns;
    for (const side of ['backup', 'interim'] as const) {
      const s = sides[side];
      const list = cols.map(quoteId).join(', ');
      const nulls = cols.map((c) => `${quoteId(c)} IS NULL`).join(' OR ');
      const rows = await s.pool.run((x) =>
        x.rawRows(
          `SELECT COUNT(*), COUNT(DISTINCT ${list}), COALESCE(SUM(${nulls}), 0) FROM ${quoteTable(s.schema, p.pair.name)}`,
        ),
      );
      const [all, distinct, withNull] = (rows[0] ?? []).map((v) => Number(v?.toString() ?? 0));
      const dup = (all ?? 0) - (withNull ?? 0) - (distinct ?? 0);
      if ((withNull ?? 0) > 0 || dup > 0) {
        first ??= p.pair.name;
        problems.push(
          `${p.pair.name}: key (${cols.join(', ')}) from the config does not identify the ${side}'s rows (${withNull} rows hold a NULL in it, ${dup} more hold a value another row holds)`,
        );
      }
    }
  }
  if (problems.length > 0)
    throw new PreconditionError('cannot-plan', `cannot plan: ${problems.join('; ')}`, {
      table: first,
    });
}
