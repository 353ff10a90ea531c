import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intOf, midKey } from '../../src/checksum/int-ranges.js';
import type { Listing } from '../../src/checksum/listing.js';
import {
  type Checksum,
  DEFAULT_TUNING,
  type KeyRange,
  newCounters,
  type Outcome,
  type ResolveEnv,
  type ResolveTuning,
  resolveRange,
  type SideOps,
} from '../../src/checksum/resolve.js';
import { type ChunkDiff, type HashedRow, joinKeyedChunk } from '../../src/diff/chunk-join.js';

/** A server-side row hash stand-in: any function of (key, content) that spreads well. */
function serverHash(key: bigint, content: string): bigint {
  let h = 0xcbf29ce484222325n ^ key;
  for (const ch of content)
    h = ((h ^ BigInt(ch.codePointAt(0) ?? 0)) * 0x100000001b3n) & ((1n << 64n) - 1n);
  return h;
}

/** One side of a table held in memory, answering as a server would, and counting the calls. */
class FakeSide implements SideOps {
  readonly keys: bigint[];
  calls = { checksum: 0, list: 0, fetchKeys: 0, fetchRange: 0, rowsRead: 0 };
  constructor(
    readonly rows: Map<bigint, string>,
    private readonly listLimit = Number.POSITIVE_INFINITY,
  ) {
    this.keys = [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  inRange(r: KeyRange): bigint[] {
    return this.keys.filter(
      (k) => (r.lo === null || k > intOf(r.lo[0])) && (r.hi === null || k <= intOf(r.hi[0])),
    );
  }
  hashed(k: bigint): HashedRow {
    const content = this.rows.get(k) as string;
    const enc = Buffer.from(`${k}:${content}`);
    return { match: String(k), hash: serverHash(0n, content), enc, stored: enc };
  }
  async checksum(r: KeyRange): Promise<Checksum> {
    this.calls.checksum++;
    const ks = this.inRange(r);
    let sum = 0n;
    for (const k of ks) sum += serverHash(k, this.rows.get(k) as string);
    return { count: ks.length, sum: sum.toString() };
  }
  async list(r: KeyRange): Promise<Listing> {
    this.calls.list++;
    const ks = this.inRange(r);
    const packed = ks.map((k) => `${serverHash(k, this.rows.get(k) as string)} ${k}`).join(',');
    return {
      count: ks.length,
      packed: ks.length ? Buffer.from(packed) : null,
      truncated: ks.length > this.listLimit,
    };
  }
  async fetchKeys(r: KeyRange, keys: readonly string[]): Promise<HashedRow[]> {
    this.calls.fetchKeys++;
    const want = new Set(keys);
    const out = this.inRange(r)
      .filter((k) => want.has(String(k)))
      .map((k) => this.hashed(k));
    this.calls.rowsRead += out.length;
    return out;
  }
  async fetchRange(r: KeyRange): Promise<HashedRow[]> {
    this.calls.fetchRange++;
    const out = this.inRange(r).map((k) => this.hashed(k));
    this.calls.rowsRead += out.length;
    return out;
  }
}

function envOf(b: FakeSide, i: FakeSide, tuning: Partial<ResolveTuning> = {}): ResolveEnv {
  return {
    shape: { kind: 'int' },
    backup: b,
    interim: i,
    tuning: { ...DEFAULT_TUNING, ...tuning },
    counters: newCounters(),
    async split(range, nb, ni) {
      if (range.lo && range.hi) {
        const m = midKey(intOf(range.lo[0]), intOf(range.hi[0]));
        if (m === null) return null;
        const mid = [Buffer.from(String(m))];
        return [
          { lo: range.lo, hi: mid },
          { lo: mid, hi: range.hi },
        ];
      }
      const side = nb >= ni ? b : i;
      const ks = side.inRange(range);
      if (ks.length < 2) return null;
      const mid = [Buffer.from(String(ks[Math.floor(ks.length / 2) - 1]))];
      return [
        { lo: range.lo, hi: mid },
        { lo: mid, hi: range.hi },
      ];
    },
  };
}

const bound = (n: number) => [Buffer.from(String(n))];

function table(n: number, from = 1): Map<bigint, string> {
  const m = new Map<bigint, string>();
  for (let k = from; k < from + n; k++) m.set(BigInt(k), `row ${k}`);
  return m;
}

/** Classes of a chunk diff, in the order they come out. */
function classes(d: ChunkDiff) {
  return {
    identical: d.identical,
    changed: d.changed.map(([x, y]) => [x.match, y.match]),
    onlyBackup: d.onlyBackup.map((r) => r.match),
    onlyInterim: d.onlyInterim.map((r) => r.match),
  };
}

function outcomeClasses(o: Outcome) {
  return o.diff
    ? classes(o.diff)
    : { identical: o.rows, changed: [], onlyBackup: [], onlyInterim: [] };
}

describe('resolveRange', () => {
  it('settles identical ranges with one checksum per side and reads no row', async () => {
    const b = new FakeSide(table(10_000));
    const i = new FakeSide(table(10_000));
    const env = envOf(b, i);
    const o = await resolveRange(env, { lo: null, hi: null }, 'checksum');
    expect(o).toEqual({ clean: true, rows: 10_000, diff: null });
    expect([b.calls, i.calls].map((c) => c.checksum)).toEqual([1, 1]);
    expect(b.calls.list + b.calls.fetchKeys + b.calls.fetchRange + b.calls.rowsRead).toBe(0);
  });

  it('bisects a large differing range down to a listing, then reads only the differing rows', async () => {
    const rows = table(10_000);
    const changed = new Map(rows);
    changed.set(7_777n, 'edited');
    const b = new FakeSide(rows);
    const i = new FakeSide(changed);
    const env = envOf(b, i, { listRows: 100, fetchRows: 10 });
    const o = await resolveRange(env, { lo: bound(0), hi: bound(10_000) }, 'checksum');
    expect(outcomeClasses(o)).toEqual({
      identical: 9_999,
      changed: [['7777', '7777']],
      onlyBackup: [],
      onlyInterim: [],
    });
    // 10 000 keys halved until ≤ 100 rows: 7 levels, one checksum query per side per level
    // (the other half's checksum is the difference), plus the first.
    expect(env.counters.splits).toBe(7);
    expect(b.calls.checksum).toBe(8);
    expect(b.calls.list).toBe(1);
    expect(env.counters.rowsListed).toBeLessThanOrEqual(2 * 100);
    expect([b.calls.rowsRead, i.calls.rowsRead]).toEqual([1, 1]);
  });

  it('goes straight to a listing in list mode', async () => {
    const rows = table(1_000);
    const other = new Map(rows);
    other.delete(10n);
    other.set(2_000n, 'new');
    const b = new FakeSide(rows);
    const i = new FakeSide(other);
    const env = envOf(b, i);
    const o = await resolveRange(env, { lo: null, hi: null }, 'list');
    expect(b.calls.checksum).toBe(0);
    expect(outcomeClasses(o)).toEqual({
      identical: 999,
      changed: [],
      onlyBackup: ['10'],
      onlyInterim: ['2000'],
    });
    expect(o.clean).toBe(false);
  });

  it('splits a listing the server could not pack, and lists the halves', async () => {
    const rows = table(1_000);
    const other = new Map(rows);
    other.set(500n, 'x');
    const b = new FakeSide(rows, 300);
    const i = new FakeSide(other, 300);
    const env = envOf(b, i, { listRows: 5_000 });
    const o = await resolveRange(env, { lo: bound(0), hi: bound(1_000) }, 'checksum');
    expect(outcomeClasses(o).changed).toEqual([['500', '500']]);
    expect(env.counters.splits).toBeGreaterThanOrEqual(2);
    expect(b.calls.rowsRead).toBe(1);
  });

  it('reads a range whole when most of it differs', async () => {
    const rows = table(200);
    const other = new Map([...rows].map(([k, v]) => [k, k % 2n === 0n ? `${v}!` : v]));
    const b = new FakeSide(rows);
    const i = new FakeSide(other);
    const env = envOf(b, i);
    const o = await resolveRange(env, { lo: null, hi: null }, 'list');
    expect(b.calls.fetchRange).toBe(1);
    expect(b.calls.fetchKeys).toBe(0);
    expect(outcomeClasses(o).changed).toHaveLength(100);
  });

  it('agrees with comparing every row, whatever the data and thresholds', async () => {
    const side = fc.uniqueArray(
      fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 2 })),
      { selector: ([k]) => k, maxLength: 300 },
    );
    await fc.assert(
      fc.asyncProperty(
        side,
        fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: -1, max: 2 })), {
          maxLength: 40,
        }),
        fc.record({
          fetchRows: fc.integer({ min: 1, max: 20 }),
          listRows: fc.integer({ min: 2, max: 80 }),
          maxSuspectShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
          maxSuspects: fc.integer({ min: 1, max: 30 }),
        }),
        fc.integer({ min: 3, max: 1_000 }),
        fc.constantFrom('checksum' as const, 'list' as const),
        fc.boolean(),
        async (base, edits, tuning, listLimit, mode, bounded) => {
          const rows = new Map(base.map(([k, v]): [bigint, string] => [BigInt(k), `v${v}`]));
          const other = new Map(rows);
          for (const [k, v] of edits) {
            if (v < 0) other.delete(BigInt(k));
            else other.set(BigInt(k), `v${v}`);
          }
          const b = new FakeSide(rows, listLimit);
          const i = new FakeSide(other, listLimit);
          const range = bounded ? { lo: bound(0), hi: bound(400) } : { lo: null, hi: null };
          const o = await resolveRange(envOf(b, i, tuning), range, mode);
          const all = joinKeyedChunk(
            b.keys.map((k) => b.hashed(k)),
            i.keys.map((k) => i.hashed(k)),
          );
          expect(outcomeClasses(o)).toEqual(classes(all));
          // clean means the servers alone settled it: never while a difference exists
          const differs = all.changed.length + all.onlyBackup.length + all.onlyInterim.length > 0;
          if (differs) expect(o.clean).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
