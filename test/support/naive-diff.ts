import { connect } from '../../src/db/mysql.js';
import { quoteId } from '../../src/db/quote.js';
import type { RawValue } from '../../src/db/types.js';
import type { DbTarget } from '../../src/db/url.js';
import type { TableDiffResult } from '../../src/diff/result.js';

/**
 * The naive oracle: reads both sides of a table whole and compares them in memory, with none
 * of the engine's machinery (no chunks, no encoding, no hashing). Keys and rows are compared as
 * the server's text bytes; `normalize` maps a key column's text to its collation's equality
 * class (e.g. lower case, trailing spaces trimmed for an ASCII *_general_ci key).
 */
export interface NaiveSpec {
  readonly table: string;
  /** compared columns (the engine compares the common columns, in name order) */
  readonly columns: readonly string[];
  /** key columns; empty for a table without a key (compared as a multiset) */
  readonly key: readonly string[];
  /** columns reported as {hex} (binary, bit, geometry) */
  readonly binary?: readonly string[];
  readonly normalize?: Readonly<Record<string, (text: string) => string>>;
}

export interface NaiveResult {
  identical: number;
  changed: number;
  onlyBackup: number;
  onlyInterim: number;
  /** keys (as the engine reports them: JSON of a key object), sorted */
  changedKeys: string[];
  onlyBackupKeys: string[];
  onlyInterimKeys: string[];
}

type Cell = string | { hex: string } | null;

async function readAll(t: DbTarget, spec: NaiveSpec): Promise<RawValue[][]> {
  const c = await connect(t);
  try {
    const cols = spec.columns.map(quoteId).join(', ');
    return await c.rawRows(`SELECT ${cols} FROM ${quoteId(spec.table)}`);
  } finally {
    await c.close();
  }
}

function cellOf(spec: NaiveSpec, col: string, v: RawValue): Cell {
  if (v === null) return null;
  return spec.binary?.includes(col) ? { hex: v.toString('hex') } : v.toString('utf8');
}

export async function naiveDiff(
  backup: DbTarget,
  interim: DbTarget,
  spec: NaiveSpec,
): Promise<NaiveResult> {
  const [b, i] = await Promise.all([readAll(backup, spec), readAll(interim, spec)]);
  const out: NaiveResult = {
    identical: 0,
    changed: 0,
    onlyBackup: 0,
    onlyInterim: 0,
    changedKeys: [],
    onlyBackupKeys: [],
    onlyInterimKeys: [],
  };
  const content = (r: RawValue[]): string =>
    JSON.stringify(r.map((v) => (v === null ? null : v.toString('hex'))));
  const keyIdx = spec.key.map((k) => spec.columns.indexOf(k));
  const reportKey = (r: RawValue[]): string =>
    JSON.stringify(
      Object.fromEntries(
        spec.key.map((k, n) => [k, cellOf(spec, k, r[keyIdx[n] as number] ?? null)]),
      ),
    );
  const rowObject = (r: RawValue[]): string =>
    JSON.stringify(
      Object.fromEntries(spec.columns.map((c, n) => [c, cellOf(spec, c, r[n] ?? null)])),
    );

  if (spec.key.length === 0) {
    const counts = new Map<string, { b: number; i: number; row: RawValue[] }>();
    for (const [rows, side] of [
      [b, 'b'],
      [i, 'i'],
    ] as const) {
      for (const r of rows) {
        const k = content(r);
        const e = counts.get(k) ?? { b: 0, i: 0, row: r };
        e[side]++;
        counts.set(k, e);
      }
    }
    for (const e of counts.values()) {
      out.identical += Math.min(e.b, e.i);
      out.onlyBackup += Math.max(0, e.b - e.i);
      out.onlyInterim += Math.max(0, e.i - e.b);
      for (let n = e.i; n < e.b; n++) out.onlyBackupKeys.push(rowObject(e.row));
      for (let n = e.b; n < e.i; n++) out.onlyInterimKeys.push(rowObject(e.row));
    }
  } else {
    const matchOf = (r: RawValue[]): string =>
      JSON.stringify(
        spec.key.map((k, n) => {
          const v = r[keyIdx[n] as number] ?? null;
          if (v === null) return null;
          const f = spec.normalize?.[k];
          return f ? f(v.toString('utf8')) : v.toString('hex');
        }),
      );
    const bm = new Map(b.map((r) => [matchOf(r), r]));
    const seen = new Set<string>();
    for (const r of i) {
      const m = matchOf(r);
      const x = bm.get(m);
      if (x === undefined) {
        out.onlyInterim++;
        out.onlyInterimKeys.push(reportKey(r));
      } else {
        seen.add(m);
        if (content(x) === content(r)) out.identical++;
        else {
          out.changed++;
          out.changedKeys.push(reportKey(r));
        }
      }
    }
    for (const [m, r] of bm) {
      if (!seen.has(m)) {
        out.onlyBackup++;
        out.onlyBackupKeys.push(reportKey(r));
      }
    }
  }
  out.changedKeys.sort();
  out.onlyBackupKeys.sort();
  out.onlyInterimKeys.sort();
  return out;
}

/** The engine's result in the oracle's shape (needs every key sampled). */
export function engineView(t: TableDiffResult): NaiveResult {
  const keys = (xs: readonly unknown[]): string[] =>
    xs
      .flatMap((x) => {
        const s = x as { key?: unknown; row?: unknown; count?: number };
        if (s.key !== undefined) return [JSON.stringify(s.key)];
        return Array.from({ length: s.count ?? 1 }, () => JSON.stringify(s.row));
      })
      .sort();
  return {
    identical: t.identical,
    changed: t.changed,
    onlyBackup: t.onlyBackup,
    onlyInterim: t.onlyInterim,
    changedKeys: keys(t.samples.changed),
    onlyBackupKeys: keys(t.samples.onlyBackup),
    onlyInterimKeys: keys(t.samples.onlyInterim),
  };
}
