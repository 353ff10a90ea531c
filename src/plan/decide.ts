import { type Cells, cellEquals } from '../cell/cells.js';
import { must } from '../must.js';
import { compareUpdatedAt } from './classify.js';
import { type CollisionReason, collisionOutcome, collisionRule } from './collision.js';
import { refValues } from './ref-values.js';
import {
  columnIndex,
  type Reference,
  sideColumn,
  type TableModel,
  type World,
} from './table-model.js';

/** A key's rows, classified (DESIGN.md §1): what the diff found, or what planning added. */
export type Entry =
  | { readonly cls: 'identical'; readonly row: Cells }
  | { readonly cls: 'onlyBackup'; readonly row: Cells }
  | { readonly cls: 'onlyInterim'; readonly row: Cells }
  | { readonly cls: 'changed'; readonly backup: Cells; readonly interim: Cells }
  | {
      readonly cls: 'collision';
      readonly reason: CollisionReason;
      readonly backup: Cells;
      readonly interim: Cells;
    };

/** A row that is part of the merged result, before its references are rewritten. */
export interface Survivor {
  /** the side the row comes from: its references mean that side's rows */
  readonly world: World;
  readonly cells: Cells;
  readonly rule: string;
  /** per reference of the table (model.refs order): which side's ids its value means */
  readonly refWorlds: readonly World[];
  /** the remapped row of a collision: it takes the fresh id handed out for it */
  readonly moves: boolean;
  /** the row the target holds now at this key (so a write to it is an update) */
  readonly isBase: boolean;
}

export interface Decision {
  readonly survivors: readonly Survivor[];
  /** why the target's row at this key goes, when no survivor takes its place */
  readonly dropRule: string;
  /** a person must decide: nothing is written for this key */
  readonly unresolved: { readonly rule: string; readonly reason: string } | null;
}

const all = (model: TableModel, w: World): World[] => model.refs.map(() => w);

/** Applies the table's policy to one key's rows. Pure. */
export function decide(model: TableModel, e: Entry): Decision {
  const p = model.policy;
  const base = model.base;
  const none = (dropRule: string): Decision => ({ survivors: [], dropRule, unresolved: null });
  switch (e.cls) {
    case 'identical':
      return {
        survivors: [
          {
            world: 'backup',
            cells: e.row,
            rule: 'identical',
            refWorlds: all(model, 'backup'),
            moves: false,
            isBase: true,
          },
        ],
        dropRule: 'identical',
        unresolved: null,
      };
    case 'onlyBackup':
      if (p.onMissingInInterim === 'skip') return none('onMissingInInterim=skip');
      return {
        survivors: [
          {
            world: 'backup',
            cells: e.row,
            rule: 'onMissingInInterim=restore',
            refWorlds: all(model, 'backup'),
            moves: false,
            isBase: base === 'backup',
          },
        ],
        dropRule: 'onMissingInInterim=restore',
        unresolved: null,
      };
    case 'onlyInterim':
      return {
        survivors: [
          {
            world: 'interim',
            cells: e.row,
            rule: 'onlyInterim=keep',
            refWorlds: all(model, 'interim'),
            moves: false,
            isBase: base === 'interim',
          },
        ],
        dropRule: 'onlyInterim=keep',
        unresolved: null,
      };
    case 'changed':
      return decideChanged(model, e.backup, e.interim);
    case 'collision':
      return decideCollision(model, e.reason, e.backup, e.interim);
  }
}

function decideChanged(model: TableModel, b: Cells, i: Cells): Decision {
  const p = model.policy;
  const keepInterim = (rule: string): Decision => ({
    survivors: [
      {
        world: 'interim',
        cells: i,
        rule,
        // A reference the incident did not touch still means the backup's row: the link
        // predates the incident. One the interim changed means the interim's.
        refWorlds: model.refs.map((r) => (sameValues(r, b, i) ? 'backup' : 'interim')),
        moves: false,
        isBase: model.base === 'interim',
      },
    ],
    dropRule: rule,
    unresolved: null,
  });
  const keepBackup = (rule: string): Decision => ({
    survivors: [
      {
        world: 'backup',
        cells: b,
        rule,
        refWorlds: all(model, 'backup'),
        moves: false,
        isBase: model.base === 'backup',
      },
    ],
    dropRule: rule,
    unresolved: null,
  });
  switch (p.onChanged) {
    case 'prefer-interim':
      return keepInterim('onChanged=prefer-interim');
    case 'prefer-backup':
      return keepBackup('onChanged=prefer-backup');
    case 'manual':
      return {
        survivors: [],
        dropRule: 'onChanged=manual',
        unresolved: {
          rule: 'onChanged=manual',
          reason: `changed on both sides in ${changedNames(model, b, i)}: onChanged is manual`,
        },
      };
    case 'newest': {
      const c = newer(model, b, i);
      if (c === null || c === 0) {
        return {
          survivors: [],
          dropRule: 'onChanged=newest',
          unresolved: {
            rule: 'onChanged=newest',
            reason: `changed on both sides, and ${model.policy.updatedAt} ${c === 0 ? 'is the same on both' : 'is NULL on a side'}: cannot tell which is newer`,
          },
        };
      }
      return c > 0
        ? keepBackup('onChanged=newest (backup newer)')
        : keepInterim('onChanged=newest (interim newer)');
    }
  }
}

function decideCollision(model: TableModel, reason: CollisionReason, b: Cells, i: Cells): Decision {
  const o = collisionOutcome(model, reason);
  switch (o.kind) {
    case 'unresolved':
      return { survivors: [], dropRule: o.rule, unresolved: { rule: o.rule, reason: o.reason } };
    case 'interim-only':
      return {
        survivors: [
          {
            world: 'interim',
            cells: i,
            rule: o.rule,
            refWorlds: all(model, 'interim'),
            moves: false,
            isBase: model.base === 'interim',
          },
        ],
        dropRule: o.rule,
        unresolved: null,
      };
    case 'both': {
      const survivor = (world: World, cells: Cells): Survivor => ({
        world,
        cells,
        rule: o.rule(world),
        refWorlds: all(model, world),
        moves: o.moves === 'fresh-id' && o.mover === world,
        isBase: model.base === world,
      });
      return {
        survivors: [survivor('backup', b), survivor('interim', i)],
        dropRule: collisionRule(model, reason),
        unresolved: null,
      };
    }
  }
}

/** > 0 when the backup's row is newer, < 0 when the interim's is; null when it cannot tell. */
export function newer(model: TableModel, b: Cells, i: Cells): number | null {
  const col = model.policy.updatedAt;
  if (col === null) return null;
  const idx = must(columnIndex(model, col), `updatedAt column ${col} of ${model.name}`);
  const info = must(
    sideColumn(model.pair.interim, col),
    `updatedAt column ${col} of ${model.name}`,
  );
  return compareUpdatedAt(info, b[idx] ?? null, i[idx] ?? null);
}

/** Whether a reference holds the same values in two rows (NULL and none alike). */
function sameValues(r: Reference, a: Cells, b: Cells): boolean {
  const x = refValues(r, a);
  const y = refValues(r, b);
  if (x === null || y === null) return x === y;
  return x.length === y.length && x.every((c, n) => cellEquals(c, y[n] ?? null));
}

function changedNames(model: TableModel, b: Cells, i: Cells): string {
  const names = model.storedIdx
    .filter((idx) => !cellEquals(b[idx] ?? null, i[idx] ?? null))
    .map((idx) => model.columns[idx]?.name ?? `#${idx}`);
  return names.join(', ') || 'generated columns';
}
