import type { Cell } from '../cell/cells.js';
import { type Cells, tupleKey } from '../cell/cells.js';
import type { Materialized } from './materialize.js';
import type { World } from './table-model.js';

/** What deciding a row may read of the book: where other rows went. */
export interface RemapView {
  /** Where the `world` row at key `key` of `table` ends, or undefined when it stays. */
  lookup(table: string, world: World, key: Cells): Cell[] | undefined;
  /** Only moves (a merge is not a collision: it does not split the rows that embed its key). */
  lookupMove(table: string, world: World, key: Cells): Cell[] | undefined;
  /** Only merges (a unique-key conflict resolved by keeping another row). */
  lookupMerge(table: string, world: World, key: Cells): Cell[] | undefined;
}

/**
 * Where rows of each table went, per world. A reference's value is looked up in its parent's
 * map for the world the referencing row comes from: an interim row's `customer_id = 5` means
 * the interim's customer 5, which may have moved to 1001 while the backup's customer 5 stayed.
 *
 * Two kinds of entries: moves (a row's key changed: a collision's fresh id, or a key that
 * embeds a moved parent's id) and merges (a unique-key conflict resolved by keeping one row:
 * references to the other row follow to the one kept). A merge wins over a move.
 *
 * Memory: one entry per moved or merged row, about 150 bytes each (the key's JSON text and the
 * new key's cells); nothing per unchanged row.
 */
export class RemapBook implements RemapView {
  private readonly moves = new Map<string, Map<string, Cell[]>>();
  private readonly merges = new Map<string, Map<string, Cell[]>>();
  /** rewritten values per reference label */
  readonly followed = new Map<string, number>();

  private slot(
    kind: Map<string, Map<string, Cell[]>>,
    table: string,
    world: World,
  ): Map<string, Cell[]> {
    const id = `${world}\u0000${table}`;
    let m = kind.get(id);
    if (!m) {
      m = new Map();
      kind.set(id, m);
    }
    return m;
  }

  addMove(table: string, world: World, from: Cells, to: Cells): void {
    this.slot(this.moves, table, world).set(tupleKey(from), [...to]);
  }

  /** Forgets a move (a fresh id handed out to a row that, it turned out, moves with its parent). */
  dropMove(table: string, world: World, from: Cells): void {
    this.moves.get(`${world}\u0000${table}`)?.delete(tupleKey(from));
  }

  addMerge(table: string, world: World, from: Cells, to: Cells): void {
    this.slot(this.merges, table, world).set(tupleKey(from), [...to]);
  }

  /** Where the `world` row at key `key` of `table` ends, or undefined when it stays. */
  lookup(table: string, world: World, key: Cells): Cell[] | undefined {
    const k = tupleKey(key);
    return (
      this.merges.get(`${world}\u0000${table}`)?.get(k) ??
      this.moves.get(`${world}\u0000${table}`)?.get(k)
    );
  }

  /** Only moves (a merge is not a collision: it does not split the rows that embed its key). */
  lookupMove(table: string, world: World, key: Cells): Cell[] | undefined {
    return this.moves.get(`${world}\u0000${table}`)?.get(tupleKey(key));
  }

  lookupMerge(table: string, world: World, key: Cells): Cell[] | undefined {
    return this.merges.get(`${world}\u0000${table}`)?.get(tupleKey(key));
  }

  /** The old keys (as JSON tuples) of `table`'s `world` rows that moved or merged. */
  movedKeys(table: string, world: World, kinds: 'moves' | 'all' = 'all'): Cell[][] {
    const out = new Map<string, Cell[]>();
    const add = (m: Map<string, Cell[]> | undefined) => {
      for (const k of m?.keys() ?? []) out.set(k, JSON.parse(k) as Cell[]);
    };
    add(this.moves.get(`${world}\u0000${table}`));
    if (kinds === 'all') add(this.merges.get(`${world}\u0000${table}`));
    return [...out.values()];
  }

  has(table: string, world: World): boolean {
    return (
      (this.moves.get(`${world}\u0000${table}`)?.size ?? 0) > 0 ||
      (this.merges.get(`${world}\u0000${table}`)?.size ?? 0) > 0
    );
  }

  countFollowed(label: string): void {
    this.followed.set(label, (this.followed.get(label) ?? 0) + 1);
  }

  /** Records what one key's decision did: the rows it moved, the references it rewrote. */
  record(m: Materialized): void {
    for (const mv of m.moves) this.addMove(mv.table, mv.world, mv.from, mv.to);
    for (const label of m.followed) this.countFollowed(label);
  }
}
