import type { Row } from '../cell/cells.js';
import { type Digest, DigestAccumulator } from '../hash/digest.js';
import { type ActionFileSummary, ActionFileWriter } from './action-file.js';
import type { DraftFiles } from './drafts.js';
import type { Action, ActionCounts } from './format.js';
import type { UniqueOutcome } from './unique-resolve.js';

export interface FinalActions {
  readonly fileSha256: string;
  readonly lines: number;
  readonly actions: ActionCounts;
  readonly digestAfter: Digest;
}

/** Rows per copy action: one batch's worth of server-side copies (BatchLimits × COPY_SHARE). */
export const COPY_ACTION_ROWS = 10_000;

/** What finalizing needs to know of the table. */
export interface FinalTable {
  /** the key columns, in order */
  readonly key: readonly string[];
  /** the key is one integer column: runs of consecutive ids become ranges */
  readonly integerKey: boolean;
  /** the row hash the table's digests sum (its digestMethod), of a row image */
  readonly rowHash: (row: Row) => bigint;
}

/**
 * Writes a table's actions file (action-file.ts) in execution order (deletes, updates,
 * inserts, then the unresolved ones), with the unique-key check's changes, and predicts the
 * table's digest after: before − every row an update or delete replaces + every row an insert
 * or update writes.
 * Exact, because `verify` compares it with a fresh read of the target.
 *
 * Rows restored unchanged from the backup (inserts marked copyOf: 'backup') are written as
 * `copy` actions: their keys (ranges of consecutive integer ids where they run), their count
 * and the sum of their row hashes, not their rows (the plan describes, it does not copy).
 */
export async function writeFinalActions(
  path: string,
  drafts: DraftFiles,
  unique: UniqueOutcome,
  digestBefore: Digest,
  table: FinalTable,
): Promise<FinalActions> {
  const out = new ActionFileWriter(path);
  const acc = new DigestAccumulator(digestBefore);
  const counts: ActionCounts = { insert: 0, update: 0, delete: 0, unresolved: 0, keep: 0 };
  const emit = async (a: Action): Promise<void> => {
    await group.flush();
    count(a, counts, acc, table);
    await out.write(a);
  };
  const group = new CopyGroup(table, async (a) => {
    counts.insert += a.count;
    acc.addDigest({ count: String(a.count), sum: a.sum });
    await out.write(a);
  });

  let written: ActionFileSummary;
  try {
    for await (const d of drafts.read(['delete'])) await emit(d.action);
    for (const a of unique.deletes) await emit(a);
    for await (const d of drafts.read(['update', 'insert', 'unresolved'])) {
      if (unique.removed.has(d.id)) continue;
      const a = d.action;
      if (a.op === 'insert' && a.copyOf === 'backup') await group.add(a);
      else await emit(a);
    }
    await group.flush();
    for (const a of unique.unresolved) await emit(a);
    written = await out.close();
  } catch (e) {
    out.abandon();
    throw e;
  }

  counts.keep = Number(BigInt(digestBefore.count) - BigInt(counts.update + counts.delete));
  return {
    fileSha256: written.sha256,
    lines: written.lines,
    actions: counts,
    digestAfter: acc.toDigest(),
  };
}

/** An action's share of the counts and of the digest after. */
function count(a: Action, counts: ActionCounts, acc: DigestAccumulator, t: FinalTable): void {
  switch (a.op) {
    case 'insert':
      counts.insert++;
      acc.add(t.rowHash(a.row));
      break;
    case 'update':
      counts.update++;
      acc.remove(t.rowHash(a.before));
      acc.add(t.rowHash(a.row));
      break;
    case 'delete':
      counts.delete++;
      acc.remove(t.rowHash(a.before));
      break;
    case 'unresolved':
      counts.unresolved++;
      break;
    case 'copy':
      counts.insert += a.count;
      acc.addDigest({ count: String(a.count), sum: a.sum });
      break;
  }
}

/** Consecutive restored rows of one rule, gathered into `copy` actions. */
class CopyGroup {
  private rule = '';
  private keys: Row[] = [];
  private sum = new DigestAccumulator();

  constructor(
    private readonly t: FinalTable,
    private readonly write: (a: Extract<Action, { op: 'copy' }>) => Promise<void>,
  ) {}

  async add(a: Extract<Action, { op: 'insert' }>): Promise<void> {
    if (this.keys.length > 0 && (a.rule !== this.rule || this.keys.length >= COPY_ACTION_ROWS))
      await this.flush();
    this.rule = a.rule;
    this.keys.push(a.key);
    this.sum.add(this.t.rowHash(a.row));
  }

  async flush(): Promise<void> {
    if (this.keys.length === 0) return;
    const { ranges, keys } = this.t.integerKey
      ? integerRuns(this.keys, this.t.key[0] ?? '')
      : { ranges: [], keys: this.keys };
    const d = this.sum.toDigest();
    const action = {
      op: 'copy' as const,
      rule: this.rule,
      ranges,
      keys,
      count: this.keys.length,
      sum: d.sum,
    };
    this.keys = [];
    this.sum = new DigestAccumulator();
    await this.write(action);
  }
}

/** Runs of two or more consecutive ids as inclusive ranges, the others listed (ids ascending). */
function integerRuns(
  rows: readonly Row[],
  col: string,
): { ranges: [string, string][]; keys: Row[] } {
  const ids = rows
    .map((r) => r[col])
    .filter((v): v is string => typeof v === 'string')
    .map((v) => BigInt(v))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: [string, string][] = [];
  const keys: Row[] = [];
  let start = 0;
  for (let i = 1; i <= ids.length; i++) {
    const prev = ids[i - 1] ?? 0n;
    if (i < ids.length && ids[i] === prev + 1n) continue;
    const first = ids[start] ?? 0n;
    if (i - start >= 2) ranges.push([first.toString(), prev.toString()]);
    else keys.push({ [col]: first.toString() });
    start = i;
  }
  return { ranges, keys };
}
