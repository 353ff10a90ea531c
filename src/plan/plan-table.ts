import { join } from 'node:path';
import type { Logger } from 'pino';
import { rawFromCell } from '../cell/cell-codec.js';
import type { PlanConfig } from '../config/types.js';
import { rowDigestHasher } from '../diff/table-digest.js';
import { DigestRowHasher } from '../hash/digest.js';
import type { Hash64 } from '../hash/xxhash.js';
import { DraftFiles } from './drafts.js';
import { type FinalTable, writeFinalActions } from './finalize.js';
import type { ActionCounts, PlanTable } from './format.js';
import { maxOnBothSides, type SidePools } from './fresh-ids.js';
import { rssMB } from './plan-inputs.js';
import { policyRecord } from './policy-record.js';
import { referencesTo } from './references.js';
import type { RemapBook } from './remap-book.js';
import { RowQuery } from './row-query.js';
import type { TableModel } from './table-model.js';
import { draftTable } from './table-planner.js';
import type { TableRecord } from './table-record.js';
import { findUniqueConflicts } from './unique-find.js';
import { resolveConflicts } from './unique-resolve.js';
import { ambiguousCreatedWarning } from './warnings.js';

/** What planning the tables one by one shares. */
export interface PlanTablesContext {
  readonly config: PlanConfig;
  /** every planned table, in write order */
  readonly tables: readonly TableRecord[];
  readonly book: RemapBook;
  readonly sides: SidePools;
  /** scratch folder for drafts and spools */
  readonly work: string;
  /** the plan folder being written */
  readonly dir: string;
  readonly hash64: Hash64;
  readonly logger: Logger;
}

/**
 * Plans one table (after its parents): every key decided and drafted to disk, unique keys
 * checked and their conflicts resolved, the final actions file written with the digest after.
 */
export async function planOneTable(ctx: PlanTablesContext, t: TableRecord): Promise<PlanTable> {
  const { model } = t;
  const hasher = new DigestRowHasher(model.target, ctx.hash64);
  const backup = rowQuery(ctx, model, 'backup');
  const interim = rowQuery(ctx, model, 'interim');
  const { drafts, counts } = await draftRows(ctx, t, hasher, backup, interim);
  const conflicts = await findUniqueConflicts(
    model,
    drafts,
    {
      base: model.base === 'backup' ? backup : interim,
      backup,
      interim,
      pool: ctx.sides.interim.pool,
    },
    hasher,
  );
  const unique = resolveConflicts(model, conflicts, hasher, cannotMerge(ctx, model));
  for (const m of unique.merges) ctx.book.addMerge(m.table, m.world, m.from, m.to);
  const final = await writeFinalActions(
    join(ctx.dir, t.file),
    drafts,
    unique,
    t.state.digest,
    finalTable(t, ctx.hash64),
  );
  const warnings = logPlanned(ctx, t, counts, final.actions);
  return {
    table: t.name,
    file: t.file,
    fileSha256: final.fileSha256,
    lines: final.lines,
    key: model.key,
    columns: model.storedNames,
    bitColumns: model.target.columns.filter((c) => c.family === 'bit').map((c) => c.name),
    counts,
    actions: final.actions,
    digestMethod: t.state.method,
    digestBefore: t.state.digest,
    digestAfter: final.digestAfter,
    autoIncrement: await autoIncrementAfter(ctx.sides, t),
    triggers: firingTriggers(model, final.actions),
    policy: policyRecord(model.policy, model.base),
    drift: model.pair.drift,
    notes: unique.notes,
    warnings,
  };
}

/** A reader of one side's rows of the table, in that side's snapshot. */
function rowQuery(ctx: PlanTablesContext, model: TableModel, side: 'backup' | 'interim'): RowQuery {
  return new RowQuery(
    model,
    ctx.sides[side].pool,
    ctx.sides[side].schema,
    side === 'backup' ? model.pair.backup : model.pair.interim,
    ctx.hash64,
  );
}

/** Every key of the table decided and drafted to disk; the drafts are closed, ready to read. */
async function draftRows(
  ctx: PlanTablesContext,
  t: TableRecord,
  hasher: DigestRowHasher,
  backup: RowQuery,
  interim: RowQuery,
): Promise<{ drafts: DraftFiles; counts: PlanTable['counts'] }> {
  const drafts = new DraftFiles(ctx.work, `t${String(t.position).padStart(4, '0')}`);
  try {
    const counts = await draftTable(
      {
        model: t.model,
        spools: t.diff.spools,
        identical: t.diff.identical,
        book: ctx.book,
        hasher,
        incident: ctx.config.incident,
        backup,
        interim,
      },
      drafts,
    );
    return { drafts, counts };
  } finally {
    await drafts.close();
  }
}

/** Logs the table's warnings and its counts; returns the warnings. */
function logPlanned(
  ctx: PlanTablesContext,
  t: TableRecord,
  counts: PlanTable['counts'],
  actions: ActionCounts,
): string[] {
  const warnings = [ambiguousCreatedWarning(t)].filter((w): w is string => w !== null);
  for (const w of warnings)
    ctx.logger.warn({ event: 'plan.warning', table: t.name }, `${t.name}: ${w}`);
  ctx.logger.info(
    {
      event: 'plan.table',
      table: t.name,
      ...counts,
      ...actions,
      rssMB: rssMB(),
    },
    `planned ${t.name}`,
  );
  return warnings;
}

/** The table as finalize.ts writes it: its key, and the row hash its digests sum. */
function finalTable(t: TableRecord, hash64: Hash64): FinalTable {
  const { model } = t;
  const hasher = rowDigestHasher(model.target, t.state.method, hash64);
  const only = model.key.length === 1 ? model.key[0] : undefined;
  const keyColumn = model.stored.find((c) => c.name === only);
  return {
    key: model.key,
    integerKey: keyColumn?.family === 'integer',
    rowHash: (row) => hasher.hash(model.storedNames.map((n) => rawFromCell(row[n] ?? null))),
  };
}

/** The AUTO_INCREMENT the target must reach: past both sides' largest id and every fresh id. */
async function autoIncrementAfter(
  sides: SidePools,
  t: TableRecord,
): Promise<PlanTable['autoIncrement']> {
  const ai = t.model.autoIncrement;
  if (!ai) return null;
  const max = await maxOnBothSides(sides, t.name, ai.name);
  const fresh = t.fresh?.last ?? 0n;
  return { column: ai.name, next: ((fresh > max ? fresh : max) + 1n).toString() };
}

/**
 * Why a unique-key conflict in this table cannot be resolved by keeping one row: the other
 * row's references must be rewritten to the one kept, which only works for references planned
 * after this table and not embedded in a key. Null when it can.
 */
function cannotMerge(ctx: PlanTablesContext, model: TableModel): string | null {
  const position = new Map(ctx.tables.map((t) => [t.name, t.position]));
  const at = position.get(model.name) ?? -1;
  for (const r of referencesTo(
    ctx.tables.map((t) => t.model),
    model.name,
  )) {
    if (r.child === model.name) return `${r.label} references its own table`;
    if ((position.get(r.child) ?? -1) < at)
      return `${r.label} is planned before ${model.name} (a reference cycle)`;
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
