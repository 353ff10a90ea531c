import { quoteId, quoteTable } from '../db/quote.js';
import type { SessionPool } from '../db/session-pool.js';
import { RowEncoder } from '../hash/row-encoding.js';
import { type ComparedColumn, compareNames } from '../introspect/compare.js';
import type { TableInfo } from '../introspect/types.js';
import { pickCells } from './cells.js';
import { describeIdentity, type TableDiffResult } from './result.js';

/** Where a one-sided table's lines go (the table's file in --out DIR). */
export interface LineSink {
  write(line: unknown): Promise<void>;
}

/**
 * A table only one side has: every row of it is only on that side. Counted by the server; with
 * `out` (--out DIR), every key is streamed to the file instead (every row, one line each, for a
 * table without a key), so the file lists the table's differences in full like any other.
 */
export async function oneSidedTable(
  pool: SessionPool,
  schema: string,
  t: TableInfo,
  status: 'onlyInBackup' | 'onlyInInterim',
  out: LineSink | null,
): Promise<TableDiffResult> {
  const t0 = performance.now();
  const name = quoteTable(schema, t.name);
  let count = 0;
  if (out === null) {
    const rows = await pool.run((s) => s.rawRows(`SELECT COUNT(*) FROM ${name}`));
    count = Number(rows[0]?.[0]?.toString() ?? 0);
  } else {
    count = await streamKeys(
      pool,
      name,
      t,
      status === 'onlyInBackup' ? 'onlyBackup' : 'onlyInterim',
      out,
    );
  }
  return oneSidedResult(t, status, count, Math.round(performance.now() - t0) / 1000);
}

/** A one-sided table's entry in the diff document. */
export function oneSidedResult(
  t: TableInfo,
  status: 'onlyInBackup' | 'onlyInInterim',
  count: number,
  seconds: number,
): TableDiffResult {
  return {
    table: t.name,
    status,
    identity: describeIdentity(t.identity),
    identical: 0,
    changed: 0,
    onlyBackup: status === 'onlyInBackup' ? count : 0,
    onlyInterim: status === 'onlyInInterim' ? count : 0,
    changedColumns: {},
    samples: { changed: [], onlyBackup: [], onlyInterim: [] },
    drift: null,
    bitColumns: t.columns.filter((c) => c.family === 'bit').map((c) => c.name),
    chunks: 0,
    chunksSkipped: 0,
    method: 'count',
    methodNote: `table only in ${status === 'onlyInBackup' ? 'backup' : 'interim'}`,
    seconds,
  };
}

async function streamKeys(
  pool: SessionPool,
  name: string,
  t: TableInfo,
  cls: 'onlyBackup' | 'onlyInterim',
  out: LineSink,
): Promise<number> {
  const keyed = t.identity.kind !== 'none';
  const names = t.identity.kind === 'none' ? t.columns.map((c) => c.name) : t.identity.columns;
  // the columns as the compared columns of a pair would be: canonical (name) order
  const columns: ComparedColumn[] = t.columns
    .filter((c) => names.includes(c.name))
    .sort((a, b) => compareNames(a.name, b.name))
    .map((c) => ({ name: c.name, family: c.family, backup: c, interim: c }));
  const encoder = new RowEncoder(columns.map((c) => c.family));
  const select = columns.map((c) => quoteId(c.name)).join(', ');
  const order = keyed ? ` ORDER BY ${names.map(quoteId).join(', ')}` : '';
  const wanted = columns.map((c) => c.name);
  let count = 0;
  const lease = await pool.lease();
  try {
    for await (const r of lease.session.streamRaw(`SELECT ${select} FROM ${name}${order}`)) {
      const cells = pickCells(columns, encoder.encode(r), keyed ? names : wanted);
      await out.write(keyed ? { class: cls, key: cells } : { class: cls, row: cells, count: 1 });
      count++;
    }
  } finally {
    lease.release();
  }
  return count;
}
