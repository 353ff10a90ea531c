import type { ComparedColumn } from '../introspect/compare.js';
import { differingColumns, pickCells } from './cells.js';
import type { ChunkDiff, MultisetDiff } from './chunk-join.js';
import type { TableCounts, TableSamples } from './result.js';
import type { TableOutput } from './table-output.js';

/** One chunk's result, as the engine delivers it (in chunk order, per table). */
export type ChunkPart =
  | { readonly kind: 'keyed'; readonly diff: ChunkDiff }
  | { readonly kind: 'multiset'; readonly diff: MultisetDiff }
  /** a chunk the server-side checksum proved identical: counted, never read */
  | { readonly kind: 'identical'; readonly rows: number };

/** What a table's tally holds, as a checkpoint keeps it between runs. */
export interface TallyState {
  readonly counts: TableCounts;
  readonly changedColumns: Record<string, number>;
  readonly samples: TableSamples;
}

export function emptyTally(): TallyState {
  return {
    counts: { identical: 0, changed: 0, onlyBackup: 0, onlyInterim: 0 },
    changedColumns: {},
    samples: { changed: [], onlyBackup: [], onlyInterim: [] },
  };
}

/**
 * Adds up one table's chunk results, taken in chunk order, so samples and the --out file are
 * the same from run to run (and from where an interrupted run left them: `from`).
 */
export class TableTally {
  readonly counts: TableCounts;
  readonly changedColumns: Record<string, number>;
  readonly samples: TableSamples;
  constructor(
    private readonly columns: readonly ComparedColumn[],
    private readonly keyNames: readonly string[],
    private readonly sampleLimit: number,
    private readonly out: TableOutput | null,
    from: TallyState = emptyTally(),
  ) {
    const copy = copyState(from);
    this.counts = copy.counts;
    this.changedColumns = copy.changedColumns;
    this.samples = copy.samples;
  }

  /** What it holds now, as a copy: the tally goes on changing (samples are never edited). */
  state(): TallyState {
    return copyState(this);
  }

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
      await this.out?.line('changed', { class: 'changed', key, columns });
    }
    for (const [rows, cls] of [
      [d.onlyBackup, 'onlyBackup'],
      [d.onlyInterim, 'onlyInterim'],
    ] as const) {
      for (const r of rows) {
        c[cls]++;
        const key = pickCells(this.columns, r.enc, this.keyNames);
        if (this.samples[cls].length < this.sampleLimit) this.samples[cls].push({ key });
        await this.out?.line(cls, { class: cls, key });
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
        await this.out?.line(cls, { class: cls, row: cells, count });
      }
    }
  }
}

function copyState(s: TallyState): TallyState {
  return {
    counts: { ...s.counts },
    changedColumns: { ...s.changedColumns },
    samples: {
      changed: s.samples.changed.slice(),
      onlyBackup: s.samples.onlyBackup.slice(),
      onlyInterim: s.samples.onlyInterim.slice(),
    },
  };
}
