import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Cell, type Cells, decodeCells, pick, type Row } from '../cell/cells.js';
import type { SessionPool } from '../db/session-pool.js';
import type { ChunkDiff, MultisetDiff } from '../diff/chunk-join.js';
import { comparePairs, type DiffSources } from '../diff/engine.js';
import type { Progress } from '../diff/progress.js';
import type { ChunkPart } from '../diff/table-tally.js';
import { must, mustGet } from '../must.js';
import { collisionOf, createdOnTheDay, naturalKeyBytes } from './classify.js';
import { takesFreshId } from './collision.js';
import { compareKeys } from './key-diff.js';
import { matchForms } from './match-form.js';
import type { PlanCheckpoint, SpoolProgress } from './plan-checkpoint.js';
import { readSpool, SpoolWriter } from './spool.js';
import type { TableModel } from './table-model.js';
import { columnIndex } from './table-model.js';

/** What the diff left for planning one table. */
export interface DiffedTable {
  /** spool files in the order planning reads them: pairs, only-backup, only-interim rows */
  readonly spools: readonly string[];
  readonly identical: number;
  /** keys of the rows that collide and take a fresh id (collision.ts), in key order */
  readonly collisions: readonly Cell[][];
  /**
   * changed rows whose `createdAt` is a DATE equal to the day the table's line between before
   * and after falls on, when that line is not at midnight: the date cannot tell which side of
   * it they were created on (taken as edits; the plan warns)
   */
  readonly ambiguousCreated: number;
}

export interface PlanDiffOptions {
  /** `plan --refresh`: diff only the rows at these keys, per table (others: nothing) */
  readonly keys?: ReadonlyMap<string, readonly Row[]> | undefined;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly progress?: Progress;
  readonly chunkRows?: number;
}

type OneSided = { enc: Buffer; count: number };

/** Where the `n`-th planned table's spools go. */
export function spoolBase(workDir: string, n: number): string {
  return join(workDir, `spool-${String(n).padStart(4, '0')}`);
}

/** A table's spool files: pairs, only in the backup, only in the interim. */
export function spoolPaths(base: string): readonly [string, string, string] {
  return [`${base}.pairs`, `${base}.backup`, `${base}.interim`];
}

/** One table's spools while the diff runs. */
class TableSpool {
  readonly paths: readonly string[];
  identical = 0;
  ambiguousCreated = 0;
  readonly collisions: Cell[][] = [];
  /** a table without a key: its differing rows, sorted before they are spooled */
  private readonly keyless: { backup: OneSided[]; interim: OneSided[] } | null;
  /** every row is spooled (keyless rows included): the table's diff is done */
  private completed = false;

  private constructor(
    readonly model: TableModel,
    private readonly writers: readonly [SpoolWriter, SpoolWriter, SpoolWriter],
    /** a session for collation weights (natural keys compare as the server compares them) */
    private readonly pool: SessionPool,
  ) {
    this.paths = writers.map((w) => w.path);
    this.keyless = model.key.length === 0 ? { backup: [], interim: [] } : null;
  }

  /**
   * A table's spools: new ones, or with `from`, the spools an interrupted plan left, cut back
   * to what its checkpoint recorded, with what the diff had counted until there.
   */
  static async open(
    model: TableModel,
    base: string,
    pool: SessionPool,
    from: SpoolProgress | null,
  ): Promise<TableSpool> {
    const at = from?.spools ?? [0, 0, 0];
    const [pairs, backup, interim] = spoolPaths(base);
    const opened: SpoolWriter[] = [];
    const open = async (path: string, n: number): Promise<SpoolWriter> => {
      const w = await SpoolWriter.open(path, n);
      opened.push(w);
      return w;
    };
    try {
      const spool = new TableSpool(
        model,
        [await open(pairs, at[0]), await open(backup, at[1]), await open(interim, at[2])],
        pool,
      );
      if (from) await spool.recount(from);
      return spool;
    } catch (e) {
      await Promise.allSettled(opened.map((w) => w.abandon()));
      throw e;
    }
  }

  /**
   * What the interrupted run had counted: its identical rows as recorded; its collisions and
   * ambiguous creation dates read back from the pairs it spooled (as takeKeyed found them).
   */
  private async recount(from: SpoolProgress): Promise<void> {
    const m = this.model;
    this.identical = from.identical;
    this.completed = from.next === null;
    for await (const r of readSpool(this.writers[0].path)) {
      if (r.kind === 'changed') {
        if (createdOnTheDay(m, decodeCells(m.columns, r.interim))) this.ambiguousCreated++;
      } else if (r.kind === 'collision' && takesFreshId(m, r.reason)) {
        this.collisions.push(pick(decodeCells(m.columns, r.interim), m.keyIdx));
      }
    }
  }

  /**
   * Whether the checkpoint may record where the table goes on from after each chunk: not while
   * differing rows wait in memory (a table without a key), nor for hash partitions.
   */
  get resumable(): boolean {
    return this.keyless === null && this.model.pair.identity.kind !== 'none';
  }

  async take(part: ChunkPart): Promise<void> {
    if (part.kind === 'identical') this.identical += part.rows;
    else if (part.kind === 'multiset') this.takeMultiset(part.diff);
    else await this.takeKeyed(part.diff);
  }

  private takeMultiset(d: MultisetDiff): void {
    const k = mustMultiset(this.keyless, this.model.name);
    this.identical += d.identical;
    for (const x of d.onlyBackup) k.backup.push({ enc: x.row.stored, count: x.count });
    for (const x of d.onlyInterim) k.interim.push({ enc: x.row.stored, count: x.count });
  }

  private async takeKeyed(d: ChunkDiff): Promise<void> {
    const m = this.model;
    const [pairs, backup, interim] = this.writers;
    this.identical += d.identical;
    const decoded = d.changed.map(([b, i]) => ({
      b: decodeCells(m.columns, b.stored),
      i: decodeCells(m.columns, i.stored),
    }));
    const same = await sameNaturalKeys(m, this.pool, decoded);
    for (const [n, [b, i]] of d.changed.entries()) {
      const ic = decoded[n]?.i ?? decodeCells(m.columns, i.stored);
      const reason = collisionOf(m, ic, same[n] ?? false);
      if (reason === null && createdOnTheDay(m, ic)) this.ambiguousCreated++;
      if (reason !== null && takesFreshId(m, reason)) this.collisions.push(pick(ic, m.keyIdx));
      await pairs.write(
        reason === null
          ? { kind: 'changed', backup: b.stored, interim: i.stored }
          : { kind: 'collision', reason, backup: b.stored, interim: i.stored },
      );
    }
    for (const r of d.onlyBackup)
      await backup.write({ kind: 'onlyBackup', enc: r.stored, count: 1 });
    for (const r of d.onlyInterim)
      await interim.write({ kind: 'onlyInterim', enc: r.stored, count: 1 });
  }

  /** Spools a keyless table's rows, in encoding order, once its last partition is taken. */
  async complete(): Promise<void> {
    if (this.completed) return;
    this.completed = true;
    const [, backup, interim] = this.writers;
    if (this.keyless) {
      for (const [list, w, kind] of [
        [this.keyless.backup, backup, 'onlyBackup'],
        [this.keyless.interim, interim, 'onlyInterim'],
      ] as const) {
        list.sort((x, y) => Buffer.compare(x.enc, y.enc));
        for (const x of list) await w.write({ kind, enc: x.enc, count: x.count });
        list.length = 0;
      }
    }
  }

  /** Hands the spooled rows to the operating system; returns what a checkpoint records. */
  async flush(): Promise<Omit<SpoolProgress, 'next'>> {
    await Promise.all(this.writers.map((w) => w.flush()));
    const [p, b, i] = this.writers;
    return { spools: [p.length, b.length, i.length], identical: this.identical };
  }

  /** Closes the spools (the table complete); what planning needs of its diff. */
  async finish(): Promise<DiffedTable> {
    await this.complete();
    await this.close();
    return {
      spools: this.paths,
      identical: this.identical,
      collisions: this.collisions,
      ambiguousCreated: this.ambiguousCreated,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.close()));
  }

  async abandon(): Promise<void> {
    await Promise.allSettled(this.writers.map((w) => w.abandon()));
  }
}

/**
 * For each changed pair, whether its natural keys are the same: byte for byte, or under the
 * columns' collations, as the server says (one batch of weights for the chunk's pairs that need
 * it). Only tables with a natural key ask.
 */
async function sameNaturalKeys(
  m: TableModel,
  pool: SessionPool,
  pairs: readonly { b: Cells; i: Cells }[],
): Promise<boolean[]> {
  const nk = m.policy.naturalKey;
  if (!nk) return pairs.map(() => false);
  const bytes = pairs.map((p) => naturalKeyBytes(m, p.b, p.i));
  const ask = pairs.flatMap((_, n) => (bytes[n] === 'collation' ? [n] : []));
  const same = bytes.map((x) => x === 'equal');
  if (ask.length === 0) return same;
  const idx = nk.map((c) => must(columnIndex(m, c), `naturalKey column ${c} of ${m.name}`));
  const tuples = ask.flatMap((n) => [pick(pairs[n]?.b ?? [], idx), pick(pairs[n]?.i ?? [], idx)]);
  const forms = await matchForms(pool, m.target, nk, tuples);
  ask.forEach((n, k) => {
    same[n] = forms[2 * k] === forms[2 * k + 1];
  });
  return same;
}

function mustMultiset<T>(v: T | null, table: string): T {
  if (v === null) throw new Error(`${table}: a multiset diff for a table with a key`);
  return v;
}

/**
 * Runs the diff engine over the planned tables and spools every differing row to disk, one file
 * per class. Each file is in key order whatever the chunk boundaries (the engine hands results
 * over in chunk order, and each class in key order within a chunk), so a plan does not depend
 * on how the diff happened to chunk, nor on where an interrupted run stopped: with `checkpoint`,
 * each chunk a keyed table finishes is recorded, and tables go on from where an interrupted
 * run's checkpoint left them. Rows of a table without a key come in hash partitions sized by
 * the server's row estimate; they are sorted here, in memory (such tables differ in few rows, or
 * are small), so such a table is recorded only once it is done (a rerun diffs it again whole).
 */
export async function diffIntoSpools(
  src: DiffSources,
  models: readonly TableModel[],
  workDir: string,
  opts: PlanDiffOptions,
  checkpoint: PlanCheckpoint | null = null,
): Promise<Map<string, DiffedTable>> {
  const spools = new Map<string, TableSpool>();
  const out = new Map<string, DiffedTable>();
  try {
    for (const [n, m] of models.entries()) {
      const from = checkpoint?.progress(m.name) ?? null;
      spools.set(m.name, await TableSpool.open(m, spoolBase(workDir, n), src.interimPool, from));
    }
    if (opts.keys) {
      // plan --refresh: a few keys, read at once; nothing to resume.
      await compareKeys(
        src,
        models.map((m) => m.pair),
        opts.keys,
        (pair, part) => mustGet(spools, pair.name, 'spool of table').take(part),
      );
    } else
      await comparePairs(
        src,
        models.map((m) => m.pair),
        {
          concurrency: opts.concurrency,
          method: 'auto',
          logger: opts.logger,
          progress: opts.progress,
          chunkRows: opts.chunkRows,
          resume: checkpoint?.resumePoints(),
        },
        async (pair, part, next) => {
          const s = mustGet(spools, pair.name, 'spool of table');
          await s.take(part);
          if (next === null) await s.complete();
          else if (!s.resumable) return;
          if (checkpoint) await checkpoint.record(pair.name, next, await s.flush());
        },
      );
    for (const [name, s] of spools) out.set(name, await s.finish());
  } finally {
    if (out.size < spools.size)
      await Promise.allSettled([...spools.values()].map((s) => s.abandon()));
  }
  return out;
}
