import type { ComparedColumn } from '../introspect/compare.js';
import { differingColumns, pickCells } from './cells.js';
import type { ChunkDiff, MultisetDiff } from './chunk-join.js';
import type { JsonlWriter } from './jsonl-writer.js';
import type { ChangedSample, KeySample, RowSample, TableCounts } from './result.js';

/** One chunk's result, as the engine delivers it (in chunk order, per table). */
export type ChunkPart =
  | { readonly kind: 'keyed'; readonly diff: ChunkDiff }
  | { readonly kind: 'multiset'; readonly diff: MultisetDiff }
  /** a chunk the server-side checksum proved identical: counted, never read */
  | { readonly kind: 'identical'; readonly rows: number };

/**
 * Adds up one table's chunk results, taken in chunk order, so samples and the --out file are
 * the same from run to run.
 */
export class TableTally {
  readonly counts: TableCounts = { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0 };
  readonly changedColumns: Record<string, number> = {};
  readonly samples = {
    changed: [] as ChangedSample[],
    onlyBackup: [] as (KeySample | RowSample)[],
    onlyInterim: [] as (KeySample | RowSample)[],
  };
  constructor(
    private readonly columns: readonly ComparedColumn[],
    private readonly keyNames: readonly string[],
    private readonly sampleLimit: number,
    private readonly out: JsonlWriter | null,
  ) {}

  async take(part: ChunkPart): Promise<void> {
    if (part.kind === 'keyed') await this.takeKeyed(part.diff);
    else if (part.kind === 'multiset') await this.takeMultiset(part.diff);
    else this.counts.identical += part.rows;
  }

  private async takeKeyed(d: ChunkDiff): Promise<void> {
    const c = this.counts;
    c.identical += d.identical;
    for (const [b, i] of d.changed) {
      c.changed++;
      const columns = differingColumns(this.columns, b.enc, i.enc);
      for (const col of columns) this.changedColumns[col] = (this.changedColumns[col] ?? 0) + 1;
      const key = pickCells(this.columns, i.enc, this.keyNames);
      if (this.samples.changed.length < this.sampleLimit)
        this.samples.changed.push({ key, columns });
      await this.out?.write({ class: 'changed', key, columns });
    }
    for (const [rows, cls] of [
      [d.onlyBackup, 'onlyBackup'],
      [d.onlyInterim, 'onlyInterim'],
    ] as const) {
      for (const r of rows) {
        c[cls]++;
        const key = pickCells(this.columns, r.enc, this.keyNames);
        if (this.samples[cls].length < this.sampleLimit) this.samples[cls].push({ key });
        await this.out?.write({ class: cls, key });
      }
    }
  }

  private async takeMultiset(d: MultisetDiff): Promise<void> {
    const all = this.columns.map((c) => c.name);
    this.counts.identical += d.identical;
    for (const [rows, cls] of [
      [d.onlyBackup, 'onlyBackup'],
      [d.onlyInterim, 'onlyInterim'],
    ] as const) {
      for (const { row, count } of rows) {
        this.counts[cls] += count;
        const cells = pickCells(this.columns, row.stored, all);
        if (this.samples[cls].length < this.sampleLimit)
          this.samples[cls].push({ row: cells, count });
        await this.out?.write({ class: cls, row: cells, count });
      }
    }
  }
}
