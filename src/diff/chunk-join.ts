/**
 * Pure comparison of one chunk's rows from both sides. Rows are matched by their key's match
 * form (collation-aware for text keys) and compared by their canonical row hash.
 */

export interface HashedRow {
  /** The key in its match form: equal exactly when the server would call the keys equal. */
  readonly match: string;
  /** xxHash64 of the canonical encoding */
  readonly hash: bigint;
  /** The canonical encoding: what `hash` is of, compared to find which columns differ. */
  readonly enc: Buffer;
  /**
   * The same row as the server stores it (JSON as its text: spaces, key order, `2.50`), what
   * the plan writes back and what reports show. The very buffer `enc` is when the table has no
   * JSON column.
   */
  readonly stored: Buffer;
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
 * of thousands of them: a Map from row hash to a slot, the slot's counts and offsets in typed
 * arrays, and the row's encodings copied into one growing arena (no per-row object survives the
 * call). Where a row's stored form differs from its canonical one (JSON), each side's first
 * stored form is kept too: a surplus row is reported (and restored) as its own side stores it.
 */
export class MultisetCounter {
  private readonly slotOf = new Map<bigint, number>();
  private readonly count = { backup: new Uint32Array(256), interim: new Uint32Array(256) };
  /** arena offset and length of the canonical encoding, then of each side's stored form */
  private readonly at = {
    enc: [new Float64Array(256), new Uint32Array(256)] as const,
    backup: [new Float64Array(256), new Uint32Array(256)] as const,
    interim: [new Float64Array(256), new Uint32Array(256)] as const,
  };
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  addBackup(r: HashedRow): void {
    this.add(r, 'backup');
  }

  addInterim(r: HashedRow): void {
    this.add(r, 'interim');
  }

  private add(r: HashedRow, side: 'backup' | 'interim'): void {
    let n = this.slotOf.get(r.hash);
    if (n === undefined) {
      n = this.slotOf.size;
      if (n === this.count.backup.length) this.grow();
      this.slotOf.set(r.hash, n);
      this.keep(n, 'enc', r.enc);
    }
    const counts = this.count[side];
    // a stored form is kept once per side, the first seen; none when it is the canonical one
    if ((counts[n] ?? 0) === 0 && r.stored !== r.enc) this.keep(n, side, r.stored);
    counts[n] = (counts[n] ?? 0) + 1;
  }

  private keep(n: number, what: 'enc' | 'backup' | 'interim', bytes: Buffer): void {
    if (this.used + bytes.length > this.arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + bytes.length));
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    bytes.copy(this.arena, this.used);
    const [start, length] = this.at[what];
    start[n] = this.used;
    length[n] = bytes.length;
    this.used += bytes.length;
  }

  private grow(): void {
    const twice = <T extends Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const next = make(a.length * 2);
      next.set(a);
      return next;
    };
    const u32 = (n: number) => new Uint32Array(n);
    this.count.backup = twice(this.count.backup, u32);
    this.count.interim = twice(this.count.interim, u32);
    for (const k of ['enc', 'backup', 'interim'] as const) {
      const [s, l] = this.at[k];
      this.at[k] = [twice(s, (n) => new Float64Array(n)), twice(l, u32)];
    }
  }

  private bytes(n: number, what: 'enc' | 'backup' | 'interim'): Buffer | null {
    const [start, length] = this.at[what];
    const len = length[n] ?? 0;
    if (len === 0 && what !== 'enc') return null;
    const from = start[n] ?? 0;
    return Buffer.from(this.arena.subarray(from, from + len));
  }

  result(): MultisetDiff {
    const out: MultisetDiff = { identical: 0, onlyBackup: [], onlyInterim: [] };
    for (const [hash, n] of this.slotOf) {
      const b = this.count.backup[n] ?? 0;
      const i = this.count.interim[n] ?? 0;
      out.identical += Math.min(b, i);
      if (b === i) continue;
      const side = b > i ? 'backup' : 'interim';
      const enc = this.bytes(n, 'enc') ?? Buffer.alloc(0);
      const row: HashedRow = { match: '', hash, enc, stored: this.bytes(n, side) ?? enc };
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
