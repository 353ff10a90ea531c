import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PlanConfig } from '../config/types.js';
import { DigestRowHasher } from '../hash/digest.js';
import type { Hash64 } from '../hash/xxhash.js';
import { DraftFiles } from './drafts.js';
import { writeFinalActions } from './finalize.js';
import type { ActionCounts, PlanTable } from './format.js';
import { maxOnBothSides, type SidePools } from './fresh-ids.js';
import type { DiffedTable } from './plan-diff.js';
import { referencesTo } from './references.js';
import type { RemapBook } from './remap-book.js';
import { RowQuery } from './row-query.js';
import type { TableModel } from './table-model.js';
import { draftTable } from './table-planner.js';
import type { TargetState } from './target-base.js';
import { checkUniqueKeys } from './unique-check.js';

/** What planning the tables one by one shares. */
export interface PlanTablesContext {
  readonly config: PlanConfig;
  readonly models: ReadonlyMap<string, TableModel>;
  readonly order: readonly string[];
  readonly diffed: ReadonlyMap<string, DiffedTable>;
  readonly states: ReadonlyMap<string, TargetState>;
  readonly book: RemapBook;
  readonly sides: SidePools;
  /** scratch folder for drafts and spools */
  readonly work: string;
  /** the plan folder being written */
  readonly dir: string;
  readonly hash64: Hash64;
  /** the last fresh id handed out per table */
  readonly lastFresh: ReadonlyMap<string, bigint>;
  readonly logger: Logger;
}

/** Plans one table (after its parents): drafts, unique keys, the final actions file. */
export async function planOneTable(
  ctx: PlanTablesContext,
  name: string,
  file: string,
  policy: Record<string, unknown>,
): Promise<PlanTable> {
  const model = ctx.models.get(name) as TableModel;
  const diffed = ctx.diffed.get(name) as DiffedTable;
  const state = ctx.states.get(name) as TargetState;
  const hasher = new DigestRowHasher(model.target, ctx.hash64);
  const q = (side: 'backup' | 'interim'): RowQuery =>
    new RowQuery(
      model,
      ctx.sides[side].pool,
      ctx.sides[side].schema,
      side === 'backup' ? model.pair.backup : model.pair.interim,
      ctx.hash64,
    );
  const backup = q('backup');
  const interim = q('interim');

  const drafts = new DraftFiles(ctx.work, `t${String(ctx.order.indexOf(name)).padStart(4, '0')}`);
  let counts: PlanTable['counts'];
  try {
    counts = await draftTable(
      {
        model,
        spools: diffed.spools,
        identical: diffed.identical,
        book: ctx.book,
        hasher,
        incident: ctx.config.incident,
        backup,
        interim,
      },
      drafts,
    );
  } finally {
    await drafts.close();
  }
  const unique = await checkUniqueKeys(
    model,
    drafts,
    {
      base: model.base === 'backup' ? backup : interim,
      backup,
      interim,
      pool: ctx.sides.interim.pool,
    },
    ctx.book,
    hasher,
    cannotMerge(ctx, model),
  );
  const final = await writeFinalActions(join(ctx.dir, file), drafts, unique, state.digest);

  let autoIncrement: PlanTable['autoIncrement'] = null;
  const ai = model.autoIncrement;
  if (ai) {
    const max = await maxOnBothSides(ctx.sides, name, ai.name);
    const fresh = ctx.lastFresh.get(name) ?? 0n;
    autoIncrement = { column: ai.name, next: ((fresh > max ? fresh : max) + 1n).toString() };
  }
  ctx.logger.info(
    {
      event: 'plan.table',
      table: name,
      ...counts,
      ...final.actions,
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    },
    `planned ${name}`,
  );
  return {
    table: name,
    file,
    fileSha256: final.fileSha256,
    lines: final.lines,
    key: model.key,
    columns: model.storedNames,
    counts,
    actions: final.actions,
    digestBefore: state.digest,
    digestAfter: final.digestAfter,
    autoIncrement,
    triggers: firingTriggers(model, final.actions),
    policy: { ...policy, base: model.base },
    drift: model.pair.drift,
    notes: unique.notes,
  };
}

/**
 * Why a unique-key conflict in this table cannot be resolved by keeping one row: the other
 * row's references must be rewritten to the one kept, which only works for references planned
 * after this table and not embedded in a key. Null when it can.
 */
function cannotMerge(ctx: PlanTablesContext, model: TableModel): string | null {
  const at = ctx.order.indexOf(model.name);
  for (const r of referencesTo(ctx.models, model.name)) {
    if (r.child === model.name) return `${r.label} references its own table`;
    if (ctx.order.indexOf(r.child) < at)
      return `${r.label} is planned before ${model.name} (a reference cycle)`;
    if (r.keyEmbedded) return `${r.label} embeds its key`;
  }
  return null;
}

/** Triggers on the target table whose event the plan's writes cause. */
function firingTriggers(model: TableModel, a: ActionCounts): PlanTable['triggers'] {
  const events = new Set<string>();
  if (a.insert > 0) events.add('INSERT');
  if (a.update > 0) events.add('UPDATE');
  if (a.delete > 0) events.add('DELETE');
  return model.target.triggers
    .filter((t) => events.has(t.event.toUpperCase()))
    .map((t) => ({ name: t.name, event: t.event, timing: t.timing }));
}
