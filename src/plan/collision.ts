/**
 * The one place that decides who moves when two rows share a key but are two entities (a
 * collision, DESIGN.md §1). Both the fresh-id pass (which hands out ids before any table is
 * planned) and the decision for each key (decide.ts) ask `collisionOutcome`, so a new policy
 * is a change in this file only.
 */
import type { TableModel, World } from './table-model.js';

/**
 * Why two rows with one key are two entities: their natural keys differ, the interim's was
 * created after the incident began, or the key embeds the id of a parent that collided.
 */
export type CollisionReason = 'naturalKey' | 'createdAt' | 'parent';
/** The reasons the diff itself can tell (a moved parent is known only while planning). */
export type DiffCollision = Exclude<CollisionReason, 'parent'>;

export type CollisionOutcome =
  /** nothing is written for the key: a person must decide */
  | { readonly kind: 'unresolved'; readonly rule: string; readonly reason: string }
  /** onMissingInInterim=skip: the interim's row stays, the backup's is not restored */
  | { readonly kind: 'interim-only'; readonly rule: string }
  /**
   * both rows survive; the `mover`'s row changes key: to a fresh id, or with its parent's (the
   * key embeds the parent's id, which moved)
   */
  | {
      readonly kind: 'both';
      readonly mover: World;
      readonly moves: 'fresh-id' | 'with-parent';
      readonly rule: (w: World) => string;
    };

/** The rule text a collision's actions carry, e.g. "collision by createdAt (…)". */
export function collisionRule(model: TableModel, reason: CollisionReason): string {
  switch (reason) {
    case 'naturalKey':
      return `collision by naturalKey (${(model.policy.naturalKey ?? []).join(', ')})`;
    case 'createdAt':
      return `collision by createdAt (${model.policy.createdAt} at or after incident.start)`;
    case 'parent':
      return 'collision by parent (its key embeds a parent id that collided)';
  }
}

/** Who moves, who stays, or why a person must decide. Pure. */
export function collisionOutcome(model: TableModel, reason: CollisionReason): CollisionOutcome {
  const why = collisionRule(model, reason);
  const p = model.policy;
  if (reason !== 'parent' && model.remapColumn === null) {
    return {
      kind: 'unresolved',
      rule: why,
      reason: `${why}, but the key (${model.key.join(', ')}) has no auto-increment or single integer column to give a fresh id`,
    };
  }
  if (p.onMissingInInterim === 'skip') {
    return {
      kind: 'interim-only',
      rule: `${why}; onMissingInInterim=skip: the backup's row is not restored`,
    };
  }
  const mover = p.remap;
  const moves = reason === 'parent' ? 'with-parent' : 'fresh-id';
  const moved =
    moves === 'with-parent'
      ? `key follows its parent (remap=${mover})`
      : `remap=${mover}: ${model.remapColumn?.name} gets a fresh id`;
  return {
    kind: 'both',
    mover,
    moves,
    rule: (w) => (w === mover ? `${why}; ${moved}` : `${why}; the ${w}'s row keeps its key`),
  };
}

/** Whether the fresh-id pass hands out an id for a collision the diff found. */
export function takesFreshId(model: TableModel, reason: CollisionReason): boolean {
  const o = collisionOutcome(model, reason);
  return o.kind === 'both' && o.moves === 'fresh-id';
}
