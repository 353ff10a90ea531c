import { columnKey, type TablePair } from '../introspect/compare.js';
import type { ReferenceCandidate } from '../introspect/reference-candidates.js';
import type { ColumnInfo, RowIdentity, SchemaInfo, TableInfo } from '../introspect/types.js';
import { decideJsonReference, decideReferences, decideTimeColumns } from './decide.js';
import { type MeasureContext, rowSample, startFor } from './measure-context.js';
import { measureJsonReferences, measureReferences } from './measure-references.js';
import type { SampleSource } from './measure-sql.js';
import {
  keyColumn,
  measureCollisions,
  measureTimeColumns,
  measureUniqueConflicts,
} from './measure-times.js';
import type {
  CollisionCount,
  Measured,
  TableProposals,
  TimeColumnProposal,
  TriggerNote,
  UniqueKeyNote,
} from './proposal-types.js';
import { timeCandidates } from './time-columns.js';

/** `primary (id)`, `unique uq_email (email)`, `none`. */
export function identityText(id: RowIdentity): string {
  if (id.kind === 'none') return 'none';
  const cols = `(${id.columns.join(', ')})`;
  return id.kind === 'primary' ? `primary ${cols}` : `unique ${id.index} ${cols}`;
}

/** The columns both sides have, as the backup has them (where inclusion is measured). */
function commonColumns(pair: TablePair): ColumnInfo[] {
  return pair.columns.map((c) => c.backup);
}

function triggersOf(pair: { backup?: TableInfo; interim?: TableInfo }): TriggerNote[] {
  const out: TriggerNote[] = [];
  const same = (a: TriggerNote, t: { name: string; timing: string; event: string }): boolean =>
    a.name === t.name && a.timing === t.timing && a.event === t.event;
  for (const t of pair.backup?.triggers ?? []) {
    out.push({ side: 'backup', name: t.name, timing: t.timing, event: t.event });
  }
  for (const t of pair.interim?.triggers ?? []) {
    const i = out.findIndex((x) => same(x, t));
    const found = out[i];
    if (found) out[i] = { ...found, side: 'both' };
    else out.push({ side: 'interim', name: t.name, timing: t.timing, event: t.event });
  }
  return out;
}

/**
 * Everything init proposes for a table both sides hold: references (by name, weighed by value
 * inclusion on the backup), ids inside JSON columns, createdAt / updatedAt, the collisions the
 * chosen createdAt finds, the unique keys that will conflict, triggers.
 */
export async function proposeTable(
  ctx: MeasureContext,
  backupSchema: SchemaInfo,
  pair: TablePair,
  candidates: readonly ReferenceCandidate[],
  minInclusion: number,
): Promise<TableProposals> {
  const key = pair.identity.kind === 'none' ? [] : pair.identity.columns;
  const src = {
    backup: { schema: ctx.backupSchema, table: pair.name, key },
    interim: { schema: ctx.interimSchema, table: pair.name, key },
  };
  const samples = {
    backup: await rowSample(ctx, 'backup', src.backup, 'first'),
    interim: await rowSample(ctx, 'interim', src.interim, 'newest'),
  };
  const refs = decideReferences(
    await measureReferences(ctx, src, samples, candidates),
    minInclusion,
  );
  const columns = commonColumns(pair);
  const jsonCols = columns.filter((c) => c.family === 'json').map((c) => c.name);
  const json = await measureJsonReferences(
    ctx,
    backupSchema,
    pair.backup,
    src.backup,
    samples.backup,
    jsonCols,
  );
  const jsonReferences = json.measured.map((m) =>
    decideJsonReference(
      m.candidate,
      m.counts,
      m.inclusion,
      minInclusion,
      json.measured.map((x) => x.candidate),
    ),
  );
  const tc = timeCandidates(columns);
  const times = decideTimeColumns(
    await measureTimeColumns(ctx, src, samples, [...tc.createdAt, ...tc.updatedAt]),
    ctx.incident !== null,
  );
  const createdAt = times.filter((t) => t.role === 'createdAt');
  const chosen = createdAt.find((t) => t.enabled) ?? null;
  const keyCols = key.map((k) => columns.find((c) => columnKey(c.name) === columnKey(k)));
  const keyInfo = keyCols.every((c) => c !== undefined) ? keyCols.map(keyColumn) : [];
  return {
    table: pair.name,
    onlyIn: null,
    identity: identityText(pair.identity),
    rowsEstimate: { backup: pair.backup.rowsEstimate, interim: pair.interim.rowsEstimate },
    drift: pair.drift !== null,
    createdAt,
    updatedAt: times.filter((t) => t.role === 'updatedAt'),
    collisions: await collisionsFor(ctx, src, keyInfo, columns, chosen),
    references: refs,
    jsonReferences,
    uniqueKeys: await uniqueKeyNotes(ctx, src, pair, keyInfo, columns, chosen),
    keyless: pair.identity.kind === 'none',
    triggers: triggersOf(pair),
    notes: json.notes,
  };
}

async function collisionsFor(
  ctx: MeasureContext,
  src: { backup: SampleSource; interim: SampleSource },
  key: ReturnType<typeof keyColumn>[],
  columns: readonly ColumnInfo[],
  chosen: TimeColumnProposal | null,
): Promise<Measured<CollisionCount> | null> {
  const col = chosen ? columns.find((c) => c.name === chosen.column) : undefined;
  if (!col || ctx.incident === null || key.length === 0) return null;
  return measureCollisions(ctx, src, key, col, startFor(col, ctx.incident));
}

async function uniqueKeyNotes(
  ctx: MeasureContext,
  src: { backup: SampleSource; interim: SampleSource },
  pair: TablePair,
  key: ReturnType<typeof keyColumn>[],
  columns: readonly ColumnInfo[],
  chosen: TimeColumnProposal | null,
): Promise<UniqueKeyNote[]> {
  const identityIndex = pair.identity.kind === 'unique' ? pair.identity.index : null;
  const out: UniqueKeyNote[] = [];
  for (const u of pair.backup.uniqueKeys) {
    if (u.prefix || u.name === identityIndex) continue;
    const cols = u.columns.map((n) => columns.find((c) => columnKey(c.name) === columnKey(n)));
    if (cols.some((c) => c === undefined) || key.length === 0) {
      out.push({ name: u.name, columns: u.columns, conflicts: null });
      continue;
    }
    const createdCol = chosen ? columns.find((c) => c.name === chosen.column) : undefined;
    const since =
      createdCol && ctx.incident
        ? { column: createdCol.name, start: startFor(createdCol, ctx.incident) }
        : null;
    const defined = cols.flatMap((c) => (c ? [keyColumn(c)] : []));
    const conflicts = await measureUniqueConflicts(ctx, src, key, defined, since);
    out.push({ name: u.name, columns: u.columns, conflicts });
  }
  return out;
}

/** A table one side lacks: nothing to measure, only what plan will do with it. */
export function oneSidedTable(t: TableInfo, side: 'backup' | 'interim'): TableProposals {
  return {
    table: t.name,
    onlyIn: side,
    identity: identityText(t.identity),
    rowsEstimate: {
      backup: side === 'backup' ? t.rowsEstimate : null,
      interim: side === 'interim' ? t.rowsEstimate : null,
    },
    drift: false,
    createdAt: [],
    updatedAt: [],
    collisions: null,
    references: [],
    jsonReferences: [],
    uniqueKeys: [],
    keyless: t.identity.kind === 'none',
    triggers: triggersOf(side === 'backup' ? { backup: t } : { interim: t }),
    notes: [],
  };
}
