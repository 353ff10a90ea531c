import type { Cell } from '../cell/cells.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { PreconditionError } from '../errors.js';
import type { RemapSummary } from './format.js';
import type { RemapBook } from './remap-book.js';
import { integerMax, type TableModel } from './table-model.js';

export interface SidePools {
  readonly backup: { readonly pool: SessionPool; readonly schema: string };
  readonly interim: { readonly pool: SessionPool; readonly schema: string };
}

/** The largest value of an integer column on both sides (in their snapshots), or 0. */
export async function maxOnBothSides(
  pools: SidePools,
  table: string,
  column: string,
): Promise<bigint> {
  const one = async (side: SidePools['backup']): Promise<bigint> => {
    const rows = await side.pool.run((s) =>
      s.rawRows(`SELECT MAX(${quoteId(column)}) FROM ${quoteTable(side.schema, table)}`),
    );
    const v = rows[0]?.[0];
    return v === null || v === undefined ? 0n : BigInt(v.toString('latin1'));
  };
  const [b, i] = await Promise.all([one(pools.backup), one(pools.interim)]);
  if (b > i) return b;
  return i;
}

/** The fresh ids a table's colliding rows got: the manifest's summary and the last id. */
export interface FreshIds {
  readonly summary: Omit<RemapSummary, 'followedBy'>;
  readonly last: bigint;
}

/**
 * Hands out fresh ids to the colliding rows of the remapped side: one above both sides' largest
 * id (plus the table's `remapHeadroom`), then on, in key order, so the same inputs give the same ids. Records the moves in `book`.
 * Returns the summary and the largest id handed out.
 */
export async function assignFreshIds(
  pools: SidePools,
  model: TableModel,
  collisions: readonly Cell[][],
  book: RemapBook,
): Promise<FreshIds | null> {
  const col = model.remapColumn;
  if (col === null || collisions.length === 0) return null;
  const side = model.policy.remap;
  const at = model.key.indexOf(col.name);
  // Above both sides' largest id, past the room the config leaves for a live interim's rows.
  const room = BigInt(model.policy.remapHeadroom ?? 0);
  let next = (await maxOnBothSides(pools, model.name, col.name)) + 1n + room;
  const first = next;
  for (const key of collisions) {
    const to = [...key];
    to[at] = next.toString();
    book.addMove(model.name, side, key, to);
    next++;
  }
  const last = next - 1n;
  if (last > integerMax(col.info)) {
    throw new PreconditionError(
      'cannot-plan',
      `${model.name}: ${collisions.length} colliding rows need fresh ids up to ${last}, past the largest ${col.info.columnType} (${integerMax(col.info)}): widen ${col.name} first`,
      { table: model.name },
    );
  }
  return {
    summary: {
      table: model.name,
      column: col.name,
      side,
      count: collisions.length,
      first: first.toString(),
      last: last.toString(),
    },
    last,
  };
}
