/**
 * Pure comparison of one chunk's rows from both sides. Rows are matched by their key's match
 * form (collation-aware for text keys) and compared by their canonical row hash.
 */

export interface HashedRow {
  /** The key in its match form: equal exactly when the server would call the keys equal. */
  readonly match: string;
  /** xxHash64 of the canonical encoding */
  readonly hash: bigint;
  /** The canonical encoding (kept to find which columns differ, and to report the key). */
  readonly enc: Buffer;
}

export interface ChunkDiff {
  identical: number;
  /** same key, different content: [backup, interim] */
  readonly changed: [HashedRow, HashedRow][];
  readonly onlyBackup: HashedRow[];
  readonly onlyInterim: HashedRow[];
}

/**
 * Joins the two sides of a keyed chunk. Output order follows the interim side's order for
 * changed and only-interim rows and the backup's for only-backup rows (both are the servers'
 * key order), so results are deterministic.
 */
export function joinKeyedChunk(
  backup: readonly HashedRow[],
  interim: readonly HashedRow[],
): ChunkDiff {
  const byKey = new Map<string, HashedRow>();
  for (const r of backup) byKey.set(r.match, r);
  const out: ChunkDiff = { identical: 0, changed: [], onlyBackup: [], onlyInterim: [] };
  const seen = new Set<string>();
  for (const r of interim) {
    const b = byKey.get(r.match);
    if (b === undefined || seen.has(r.match)) {
      out.onlyInterim.push(r);
      continue;
    }
    seen.add(r.match);
    if (b.hash === r.hash) out.identical++;
    else out.changed.push([b, r]);
  }
  for (const r of backup) if (!seen.has(r.match)) out.onlyBackup.push(r);
  return out;
}

export interface MultisetDiff {
  identical: number;
  /** distinct rows with how many more copies the backup has than the interim */
  readonly onlyBackup: { row: HashedRow; count: number }[];
  readonly onlyInterim: { row: HashedRow; count: number }[];
}

/**
 * Compares two multisets of rows (a table without a key): duplicates count with their
 * multiplicity, and a row that differs counts once on each side. Rows are added one at a time
 * so a partition streams through it; memory is one entry per distinct row.
 */
export class MultisetCounter {
  private readonly counts = new Map<bigint, { row: HashedRow; b: number; i: number }>();

  addBackup(r: HashedRow): void {
    const e = this.counts.get(r.hash);
    if (e) e.b++;
    else this.counts.set(r.hash, { row: r, b: 1, i: 0 });
  }

  addInterim(r: HashedRow): void {
    const e = this.counts.get(r.hash);
    if (e) e.i++;
    else this.counts.set(r.hash, { row: r, b: 0, i: 1 });
  }

  result(): MultisetDiff {
    const out: MultisetDiff = { identical: 0, onlyBackup: [], onlyInterim: [] };
    for (const e of this.counts.values()) {
      out.identical += Math.min(e.b, e.i);
      if (e.b > e.i) out.onlyBackup.push({ row: e.row, count: e.b - e.i });
      if (e.i > e.b) out.onlyInterim.push({ row: e.row, count: e.i - e.b });
    }
    const byEnc = (x: { row: HashedRow }, y: { row: HashedRow }): number =>
      Buffer.compare(x.row.enc, y.row.enc);
    out.onlyBackup.sort(byEnc);
    out.onlyInterim.sort(byEnc);
    return out;
  }
}

export function diffMultiset(
  backup: Iterable<HashedRow>,
  interim: Iterable<HashedRow>,
): MultisetDiff {
  const c = new MultisetCounter();
  for (const r of backup) c.addBackup(r);
  for (const r of interim) c.addInterim(r);
  return c.result();
}
