import type { Cell } from '../cell/cells.js';
import type { TableDrift } from '../introspect/compare.js';
import type { RowIdentity } from '../introspect/types.js';

/** A value in JSON output: the plan's cell form (text, integers included, as a string; bytes as hex). */
export type JsonCell = Cell;
export type KeyObject = Readonly<Record<string, JsonCell>>;

export interface ChangedSample {
  readonly key: KeyObject;
  readonly columns: readonly string[];
}
export interface KeySample {
  readonly key: KeyObject;
}
/** A row of a table without a key, with how many surplus copies one side has. */
export interface RowSample {
  readonly row: KeyObject;
  readonly count: number;
}

export interface TableCounts {
  identical: number;
  changed: number;
  onlyBackup: number;
  onlyInterim: number;
}

export type TableStatus = 'compared' | 'onlyInBackup' | 'onlyInInterim';

/** A table's samples of differing keys (and rows), per class. */
export interface TableSamples {
  readonly changed: ChangedSample[];
  readonly onlyBackup: (KeySample | RowSample)[];
  readonly onlyInterim: (KeySample | RowSample)[];
}

/** One table in the `diff --json` document (field names are a contract, DESIGN.md §4). */
export interface TableDiffResult extends TableCounts {
  readonly table: string;
  readonly status: TableStatus;
  /** how rows were matched: primary(id), unique(uk_email)(email), or none (multiset) */
  readonly identity: string;
  /** per column, how many changed rows differ in it */
  readonly changedColumns: Record<string, number>;
  readonly samples: TableSamples;
  readonly drift: TableDrift | null;
  /**
   * columns of type BIT: their values (`{hex}` like other bytes) are numbers' bits, shown as
   * hex; other byte columns' printable values are shown as text (`_binary'abc'`) by the text
   * output. Added later, additive.
   */
  readonly bitColumns: readonly string[];
  readonly chunks: number;
  /** chunks the server-side checksum found identical, so no row crossed the wire */
  readonly chunksSkipped: number;
  /** how rows were compared: client (row hashing) or checksum (server pre-pass, then rows) */
  readonly method: 'client' | 'checksum' | 'count';
  /** why the checksum pre-pass was not used, when it was not */
  readonly methodNote: string | null;
  readonly seconds: number;
}

export interface DiffDocument {
  readonly backup: string;
  readonly interim: string;
  readonly servers: { readonly backup: string; readonly interim: string };
  readonly totals: TableCounts & {
    readonly tables: number;
    readonly tablesWithDifferences: number;
    readonly tablesWithDrift: number;
  };
  readonly tables: TableDiffResult[];
  readonly seconds: number;
  /**
   * present when this run went on from the checkpoint an interrupted run left in --out DIR:
   * when that run started, and what it had finished
   */
  readonly resumed?: {
    readonly since: string;
    readonly tablesDone: number;
    readonly chunksDone: number;
  };
}

export function hasDifferences(t: TableDiffResult): boolean {
  return (
    t.status !== 'compared' ||
    t.changed > 0 ||
    t.onlyBackup > 0 ||
    t.onlyInterim > 0 ||
    t.drift !== null
  );
}

/** How a table's rows were matched, as the document says it. */
export function describeIdentity(id: RowIdentity): string {
  if (id.kind === 'none') return 'none (compared as a multiset)';
  if (id.kind === 'primary') return `primary key (${id.columns.join(', ')})`;
  return `unique key ${id.index} (${id.columns.join(', ')})`;
}
