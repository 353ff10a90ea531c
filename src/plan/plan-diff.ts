import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Cell } from '../cell/cells.js';
import { decodeCells, pick } from '../cell/cells.js';
import type { IncidentStart } from '../config/incident-time.js';
import { comparePairs, type DiffSources } from '../diff/engine.js';
import type { Progress } from '../diff/progress.js';
import type { TablePair } from '../introspect/compare.js';
import { collisionTag } from './classify.js';
import { SpoolWriter } from './spool.js';
import type { TableModel } from './table-model.js';

/** What the diff left for planning one table. */
export interface DiffedTable {
  /** spool files in the order planning reads them: pairs, only-backup, only-interim rows */
  readonly spools: readonly string[];
  identical: number;
  /** keys of the rows that collide and can take a fresh id, in key order */
  readonly collisions: Cell[][];
}

export interface PlanDiffOptions {
  readonly concurrency: number;
  readonly logger: Logger;
  readonly progress?: Progress;
  readonly chunkRows?: number;
}

/**
 * Runs the diff engine over the planned tables and spools every differing row to disk, one file
 * per class. Each file is in key order whatever the chunk boundaries (the engine hands results
 * over in chunk order, and each class in key order within a chunk), so a plan does not depend
 * on how the diff happened to chunk. Rows of a table without a key come in hash partitions
 * sized by the server's row estimate; they are sorted here, in memory (such tables differ in
 * few rows, or are small).
 */
export async function diffIntoSpools(
  src: DiffSources,
  models: ReadonlyMap<string, TableModel>,
  incident: IncidentStart | null,
  workDir: string,
  opts: PlanDiffOptions,
): Promise<Map<string, DiffedTable>> {
  const out = new Map<string, DiffedTable>();
  const writers = new Map<string, SpoolWriter[]>();
  const keyless = new Map<
    string,
    { b: { enc: Buffer; count: number }[]; i: { enc: Buffer; count: number }[] }
  >();
  const pairs: TablePair[] = [];
  let n = 0;
  let closed = false;
  for (const m of models.values()) {
    const base = join(workDir, `spool-${String(n++).padStart(4, '0')}`);
    const paths = [`${base}.pairs`, `${base}.backup`, `${base}.interim`];
    writers.set(
      m.name,
      paths.map((p) => new SpoolWriter(p)),
    );
    out.set(m.name, { spools: paths, identical: 0, collisions: [] });
    if (m.key.length === 0) keyless.set(m.name, { b: [], i: [] });
    pairs.push(m.pair);
  }
  try {
    await comparePairs(
      src,
      pairs,
      {
        concurrency: opts.concurrency,
        method: 'auto',
        logger: opts.logger,
        progress: opts.progress,
        chunkRows: opts.chunkRows,
      },
      async (pair, part) => {
        const m = models.get(pair.name) as TableModel;
        const t = out.get(pair.name) as DiffedTable;
        const [pw, bw, iw] = writers.get(pair.name) as [SpoolWriter, SpoolWriter, SpoolWriter];
        if (part.kind === 'identical') {
          t.identical += part.rows;
          return;
        }
        if (part.kind === 'multiset') {
          const k = keyless.get(pair.name) as {
            b: { enc: Buffer; count: number }[];
            i: { enc: Buffer; count: number }[];
          };
          t.identical += part.diff.identical;
          for (const x of part.diff.onlyBackup) k.b.push({ enc: x.row.enc, count: x.count });
          for (const x of part.diff.onlyInterim) k.i.push({ enc: x.row.enc, count: x.count });
          return;
        }
        const d = part.diff;
        t.identical += d.identical;
        for (const [b, i] of d.changed) {
          const bc = decodeCells(m.columns, b.enc);
          const ic = decodeCells(m.columns, i.enc);
          const tag = collisionTag(m, incident, bc, ic);
          if (tag !== 0 && m.remapColumn !== null && m.policy.onMissingInInterim === 'restore') {
            t.collisions.push(pick(ic, m.keyIdx));
          }
          await pw.write({
            kind: tag !== 0 ? 'collision' : 'changed',
            tag,
            backup: b.enc,
            interim: i.enc,
          });
        }
        for (const r of d.onlyBackup) await bw.write({ kind: 'onlyBackup', enc: r.enc, count: 1 });
        for (const r of d.onlyInterim)
          await iw.write({ kind: 'onlyInterim', enc: r.enc, count: 1 });
      },
    );
    for (const [name, k] of keyless) {
      const [, bw, iw] = writers.get(name) as SpoolWriter[];
      for (const [list, w, kind] of [
        [k.b, bw, 'onlyBackup'],
        [k.i, iw, 'onlyInterim'],
      ] as const) {
        list.sort((x, y) => Buffer.compare(x.enc, y.enc));
        for (const x of list) await (w as SpoolWriter).write({ kind, enc: x.enc, count: x.count });
      }
    }
    await Promise.all([...writers.values()].flat().map((w) => w.close()));
    closed = true;
  } finally {
    if (!closed) await Promise.allSettled([...writers.values()].flat().map((w) => w.close()));
  }
  return out;
}
