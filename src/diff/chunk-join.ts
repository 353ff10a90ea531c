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
  // A key is unique on each side; should a side ever repeat a match form, its first row is
  // paired and the others count as only on that side: no row is ever dropped.
  const byKey = new Map<string, HashedRow>();
  for (const r of backup) if (!byKey.has(r.match)) byKey.set(r.match, r);
  const out: ChunkDiff = { identical: 0, changed: [], onlyBackup: [], onlyInterim: [] };
  const paired = new Set<HashedRow>();
  for (const r of interim) {
    const b = byKey.get(r.match);
    if (b === undefined || paired.has(b)) {
      out.onlyInterim.push(r);
      continue;
    }
    paired.add(b);
    if (b.hash === r.hash) out.identical++;
    else out.changed.push([b, r]);
  }
  for (const r of backup) if (!paired.has(r)) out.onlyBackup.push(r);
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
 * so a partition streams through it.
 *
 * Memory is one entry per distinct row, kept compact because a partition holds up to hundreds
 * of thousands of them: a Map from row hash to a slot, the slot's counts in typed arrays, and
 * the row's encoding copied into one growing arena (no per-row object survives the call).
 */
export class MultisetCounter {
  private readonly slotOf = new Map<bigint, number>();
  private backupCount = new Uint32Array(256);
  private interimCount = new Uint32Array(256);
  private start = new Float64Array(256);
  private length = new Uint32Array(256);
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  addBackup(r: HashedRow): void {
    // slot() may grow (replace) the arrays: take it before reading them
    const n = this.slot(r);
    this.backupCount[n] = (this.backupCount[n] ?? 0) + 1;
  }

  addInterim(r: HashedRow): void {
    const n = this.slot(r);
    this.interimCount[n] = (this.interimCount[n] ?? 0) + 1;
  }

  private slot(r: HashedRow): number {
    const known = this.slotOf.get(r.hash);
    if (known !== undefined) return known;
    const n = this.slotOf.size;
    if (n === this.start.length) this.growSlots();
    if (this.used + r.enc.length > this.arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + r.enc.length));
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    r.enc.copy(this.arena, this.used);
    this.start[n] = this.used;
    this.length[n] = r.enc.length;
    this.used += r.enc.length;
    this.slotOf.set(r.hash, n);
    return n;
  }

  private growSlots(): void {
    const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(a.length * 2);
      next.set(a);
      return next;
    };
    this.backupCount = grow(this.backupCount);
    this.interimCount = grow(this.interimCount);
    this.start = grow(this.start);
    this.length = grow(this.length);
  }

  result(): MultisetDiff {
    const out: MultisetDiff = { identical: 0, onlyBackup: [], onlyInterim: [] };
    for (const [hash, n] of this.slotOf) {
      const b = this.backupCount[n] ?? 0;
      const i = this.interimCount[n] ?? 0;
      out.identical += Math.min(b, i);
      if (b === i) continue;
      const from = this.start[n] ?? 0;
      const enc = Buffer.from(this.arena.subarray(from, from + (this.length[n] ?? 0)));
      const row: HashedRow = { match: '', hash, enc };
      if (b > i) out.onlyBackup.push({ row, count: b - i });
      else out.onlyInterim.push({ row, count: i - b });
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
