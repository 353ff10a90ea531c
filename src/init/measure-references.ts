import {
  type IntegerPath,
  integerPaths,
  type JsonReferenceCandidate,
  jsonReferenceCandidates,
} from '../cell/json-paths.js';
import type { Session } from '../db/types.js';
import { columnKey } from '../introspect/compare.js';
import type { ReferenceCandidate } from '../introspect/reference-candidates.js';
import type { SchemaInfo, TableInfo } from '../introspect/types.js';
import { boundedQuery, TimeBudget } from './bounded-query.js';
import type { MeasuredReference } from './decide.js';
import { type MeasureContext, measure, num } from './measure-context.js';
import {
  columnInclusionSql,
  jsonDocumentsSql,
  jsonInclusionSql,
  jsonPathCountsSql,
  type SampleSource,
  sampleSizeSql,
} from './measure-sql.js';
import type { Inclusion, JsonPathCounts, Measured, RowSample } from './proposal-types.js';

/**
 * Value inclusion, measured by the server on the backup: of a candidate's distinct non-null
 * values in the table's sample, how many its parent's key holds. The backup is the side whose
 * links predate the incident; the interim's were written by an application in a hurry.
 */

/**
 * A JSON document longer than this is not parsed for paths: ids sit in records, not in blobs,
 * and the sample's memory stays bounded (documents × this).
 */
const MAX_DOCUMENT_BYTES = 64 * 1024;

type Rows = { tested: unknown; found: unknown };

function inclusionOf(
  r: Measured<Rows[]>,
  sample: RowSample,
  valuesBound: number,
  side: Inclusion['side'] = 'backup',
): Measured<Inclusion> {
  if (r.kind === 'not-measured') return r;
  const tested = num(r.value[0]?.tested);
  const found = num(r.value[0]?.found);
  return {
    kind: 'measured',
    value: { side, tested, found, valuesCapped: tested >= valuesBound, sample },
  };
}

type Sides<T> = { readonly backup: T; readonly interim: T };

/**
 * One candidate's inclusion on one schema, for a caller outside init (plan, warning about an
 * undeclared reference of a table it remaps): at most `rows` rows of the child read, at most
 * `values` distinct values tested, within `seconds` on the server.
 */
export async function measureInclusion(
  s: Session,
  schema: string,
  c: ReferenceCandidate,
  childKey: readonly string[],
  limits: { readonly rows: number; readonly values: number; readonly seconds: number },
  side: Inclusion['side'] = 'backup',
): Promise<Measured<Inclusion>> {
  const budget = new TimeBudget(limits.seconds);
  const src = { schema, table: c.table, key: childKey };
  const size = await boundedQuery<{ n: unknown }>(s, budget, sampleSizeSql(src, limits.rows));
  if (!size.ok) return { kind: 'not-measured', reason: size.reason };
  const n = num(size.rows[0]?.n);
  const sample: RowSample = {
    rows: Math.min(n, limits.rows),
    wholeTable: n <= limits.rows,
    which: 'first',
  };
  const st = columnInclusionSql(src, c.columns, schema, c.parent, c.parentColumns, limits);
  const r = await boundedQuery<Rows>(s, budget, st);
  const rows: Measured<Rows[]> = r.ok
    ? { kind: 'measured', value: r.rows }
    : { kind: 'not-measured', reason: r.reason };
  return inclusionOf(rows, sample, limits.values, side);
}

/**
 * Every name candidate of one table, measured; declared keys are listed unmeasured. A column
 * the backup holds no value of (a feature added shortly before the incident) is measured on the
 * interim instead, against the interim's parent.
 */
export async function measureReferences(
  ctx: MeasureContext,
  src: Sides<SampleSource>,
  samples: Sides<Measured<RowSample>>,
  candidates: readonly ReferenceCandidate[],
): Promise<MeasuredReference[]> {
  const out: MeasuredReference[] = [];
  const limits = { rows: ctx.sampleRows, values: ctx.sampleValues };
  for (const c of candidates) {
    if (c.rule === 'declared') {
      out.push({ candidate: c, inclusion: null });
      continue;
    }
    const b = samples.backup;
    if (b.kind === 'not-measured') {
      out.push({ candidate: c, inclusion: b });
      continue;
    }
    const on = (side: 'backup' | 'interim') =>
      columnInclusionSql(
        src[side],
        c.columns,
        side === 'backup' ? ctx.backupSchema : ctx.interimSchema,
        c.parent,
        c.parentColumns,
        limits,
      );
    let inclusion = inclusionOf(
      await measure<Rows>(ctx, 'backup', on('backup')),
      b.value,
      limits.values,
    );
    const i = samples.interim;
    if (inclusion.kind === 'measured' && inclusion.value.tested === 0 && i.kind === 'measured') {
      const r = await measure<Rows>(ctx, 'interim', on('interim'));
      const sample: RowSample = { ...i.value, which: 'first' };
      const alt = inclusionOf(r, sample, limits.values, 'interim');
      if (alt.kind === 'measured') inclusion = alt;
    }
    out.push({ candidate: c, inclusion });
  }
  return out;
}

export interface MeasuredJsonReference {
  readonly candidate: JsonReferenceCandidate;
  readonly counts: Measured<JsonPathCounts>;
  readonly inclusion: Measured<Inclusion> | null;
}

/**
 * The JSON columns of a table: sampled documents are parsed for the member paths that hold
 * integers; each path named like a reference is then counted (how many documents hold an
 * integer there, how many something else) and its integers' inclusion measured.
 */
export async function measureJsonReferences(
  ctx: MeasureContext,
  schema: SchemaInfo,
  table: TableInfo,
  src: SampleSource,
  sample: Measured<RowSample>,
  columns: readonly string[],
): Promise<{ measured: MeasuredJsonReference[]; notes: string[] }> {
  const measured: MeasuredJsonReference[] = [];
  const notes: string[] = [];
  if (sample.kind === 'not-measured') return { measured, notes };
  for (const column of columns) {
    const docs = await measure<{ doc: unknown }>(
      ctx,
      'backup',
      jsonDocumentsSql(src, column, {
        rows: ctx.sampleRows,
        documents: ctx.sampleDocuments,
        maxBytes: MAX_DOCUMENT_BYTES,
      }),
    );
    if (docs.kind === 'not-measured') {
      notes.push(`JSON column ${column}: ${docs.reason}`);
      continue;
    }
    const texts = docs.value.flatMap((d) => (typeof d.doc === 'string' ? [d.doc] : []));
    const paths: IntegerPath[] = integerPaths(texts);
    for (const c of jsonReferenceCandidates(schema, table.name, column, paths)) {
      measured.push(await measureJsonPath(ctx, schema, src, sample.value, c));
    }
  }
  return { measured, notes };
}

async function measureJsonPath(
  ctx: MeasureContext,
  schema: SchemaInfo,
  src: SampleSource,
  sample: RowSample,
  c: JsonReferenceCandidate,
): Promise<MeasuredJsonReference> {
  const r = await measure<{ documents: unknown; integers: unknown; others: unknown }>(
    ctx,
    'backup',
    jsonPathCountsSql(src, c.column, c.path, ctx.sampleRows),
  );
  if (r.kind === 'not-measured') return { candidate: c, counts: r, inclusion: null };
  const row = r.value[0];
  const counts: Measured<JsonPathCounts> = {
    kind: 'measured',
    value: {
      documents: num(row?.documents),
      integers: num(row?.integers),
      others: num(row?.others),
      sample,
    },
  };
  const key = schema.tables
    .get(c.parent)
    ?.columns.find((k) => columnKey(k.name) === columnKey(c.parentColumn));
  const st = jsonInclusionSql(
    src,
    c.column,
    c.path,
    ctx.backupSchema,
    c.parent,
    c.parentColumn,
    key?.unsigned === true,
    { rows: ctx.sampleRows, values: ctx.sampleValues },
  );
  const inc = await measure<Rows>(ctx, 'backup', st);
  return { candidate: c, counts, inclusion: inclusionOf(inc, sample, ctx.sampleValues) };
}
