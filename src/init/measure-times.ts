import type { SqlParam } from '../db/types.js';
import type { ColumnInfo } from '../introspect/types.js';
import type { MeasuredTime } from './decide.js';
import { type MeasureContext, measure, num, startFor } from './measure-context.js';
import {
  countMatchesSql,
  type LookupCast,
  newestRowsSql,
  type SampleSource,
  timeCountsSql,
} from './measure-sql.js';
import type { CollisionCount, Measured, RowSample, TimeCounts } from './proposal-types.js';
import type { TimeCandidate } from './time-columns.js';

/**
 * The measurements behind createdAt, collisions and unique-key conflicts. All of them read the
 * newest rows by key (the incident's rows are the newest), at most `sampleRows` of them, and
 * look up at most `sampleValues` interim keys in the backup, in batches.
 */

const LOOKUP_BATCH = 500;

type CountRow = { n: unknown; since: unknown; nulls: unknown; largest: unknown };

interface SideCount {
  readonly since: number;
  readonly nulls: number;
  readonly max: string | null;
  readonly sample: RowSample;
}

async function sideCount(
  ctx: MeasureContext,
  which: 'backup' | 'interim',
  src: SampleSource,
  sample: Measured<RowSample>,
  column: string,
  start: string,
): Promise<Measured<SideCount>> {
  if (sample.kind === 'not-measured') return sample;
  const r = await measure<CountRow>(ctx, which, timeCountsSql(src, column, start, ctx.sampleRows));
  if (r.kind === 'not-measured') return r;
  const row = r.value[0];
  const max = row?.largest;
  return {
    kind: 'measured',
    value: {
      since: num(row?.since),
      nulls: num(row?.nulls),
      max: max === null || max === undefined ? null : String(max),
      sample: { ...sample.value, which: src.key.length > 0 ? 'newest' : 'first' },
    },
  };
}

/** Each time candidate counted on both sides against incident.start (none without it). */
export async function measureTimeColumns(
  ctx: MeasureContext,
  src: { backup: SampleSource; interim: SampleSource },
  samples: { backup: Measured<RowSample>; interim: Measured<RowSample> },
  candidates: readonly TimeCandidate[],
): Promise<MeasuredTime[]> {
  const out: MeasuredTime[] = [];
  for (const t of candidates) {
    if (ctx.incident === null) {
      out.push({ candidate: t, counts: null });
      continue;
    }
    const start = startFor(t.column, ctx.incident);
    const b = await sideCount(ctx, 'backup', src.backup, samples.backup, t.column.name, start);
    const i = await sideCount(ctx, 'interim', src.interim, samples.interim, t.column.name, start);
    if (b.kind === 'not-measured') {
      out.push({ candidate: t, counts: b });
    } else if (i.kind === 'not-measured') {
      out.push({ candidate: t, counts: i });
    } else {
      const strip = (v: SideCount) => ({ since: v.since, nulls: v.nulls, sample: v.sample });
      const counts: TimeCounts = {
        interim: strip(i.value),
        backup: strip(b.value),
        interimMax: i.value.max,
      };
      out.push({ candidate: t, counts: { kind: 'measured', value: counts } });
    }
  }
  return out;
}

export interface KeyColumn {
  readonly name: string;
  readonly cast: LookupCast;
}

/** How a key column's values are looked up exactly. */
export function keyColumn(c: ColumnInfo): KeyColumn {
  const cast: LookupCast = c.family === 'integer' ? (c.unsigned ? 'unsigned' : 'signed') : 'none';
  return { name: c.name, cast };
}

function asParam(v: unknown): SqlParam {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  if (Buffer.isBuffer(v)) return v;
  return String(v);
}

/**
 * Interim rows created at or after incident.start whose key the backup also holds: the
 * collisions `createdAt` will detect.
 */
export async function measureCollisions(
  ctx: MeasureContext,
  src: { backup: SampleSource; interim: SampleSource },
  key: readonly KeyColumn[],
  createdAt: ColumnInfo,
  start: string,
): Promise<Measured<CollisionCount>> {
  const rows = await measure<Record<string, unknown>>(
    ctx,
    'interim',
    newestRowsSql(
      src.interim,
      key.map((k) => k.name),
      { column: createdAt.name, start },
      { rows: ctx.sampleRows, values: ctx.sampleValues },
    ),
  );
  if (rows.kind === 'not-measured') return rows;
  const tuples = rows.value.map((r) => key.map((k) => asParam(r[k.name])));
  const found = await countInBackup(ctx, src.backup.table, key, [], tuples);
  if (found.kind === 'not-measured') return found;
  return {
    kind: 'measured',
    value: {
      createdAt: createdAt.name,
      tested: tuples.length,
      collisions: found.value,
      capped: tuples.length >= ctx.sampleValues,
    },
  };
}

/**
 * Interim rows (created since the start when a creation time is known, else the newest) whose
 * value of a unique key the backup holds on a row with another key: the conflicts
 * `onUniqueConflict` decides.
 */
export async function measureUniqueConflicts(
  ctx: MeasureContext,
  src: { backup: SampleSource; interim: SampleSource },
  key: readonly KeyColumn[],
  unique: readonly KeyColumn[],
  since: { column: string; start: string } | null,
): Promise<Measured<{ tested: number; conflicts: number }>> {
  const names = [...unique, ...key].map((k) => k.name);
  const rows = await measure<Record<string, unknown>>(
    ctx,
    'interim',
    newestRowsSql(src.interim, names, since, { rows: ctx.sampleRows, values: ctx.sampleValues }),
  );
  if (rows.kind === 'not-measured') return rows;
  const tuples = rows.value
    .map((r) => [...unique, ...key].map((k) => asParam(r[k.name])))
    .filter((t) => t.slice(0, unique.length).every((v) => v !== null));
  const found = await countInBackup(ctx, src.backup.table, unique, key, tuples);
  if (found.kind === 'not-measured') return found;
  return { kind: 'measured', value: { tested: tuples.length, conflicts: found.value } };
}

async function countInBackup(
  ctx: MeasureContext,
  table: string,
  match: readonly KeyColumn[],
  differ: readonly KeyColumn[],
  tuples: readonly (readonly SqlParam[])[],
): Promise<Measured<number>> {
  let total = 0;
  for (let i = 0; i < tuples.length; i += LOOKUP_BATCH) {
    const batch = tuples.slice(i, i + LOOKUP_BATCH);
    const st = countMatchesSql(ctx.backupSchema, table, match, differ, batch);
    const r = await measure<{ n: unknown }>(ctx, 'backup', st);
    if (r.kind === 'not-measured') return r;
    total += num(r.value[0]?.n);
  }
  return { kind: 'measured', value: total };
}
