import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TableInfo } from '../introspect/types.js';
import { AppendFile } from './append-file.js';
import type { Fingerprint } from './checkpoint.js';
import {
  CHECKPOINT_DIR,
  type DiffCheckpoint,
  type DiffTableRecord,
  openDiffCheckpoint,
  outputPaths,
} from './diff-checkpoint.js';
import type { LineSink } from './one-sided.js';
import { oneSidedResult } from './one-sided.js';
import type { TableDiffResult } from './result.js';
import { loadPoint, type ResumePoint, savePoint } from './resume-point.js';
import { type OutputLengths, TableOutput } from './table-output.js';
import type { ChunkPart } from './table-tally.js';
import { emptyTally, type TableTally } from './table-tally.js';

/** A compared table while the diff runs: its tally, its output, its chunks so far. */
export interface TablePass {
  readonly tally: TableTally;
  readonly output: TableOutput | null;
  chunks: number;
  chunksSkipped: number;
}

/**
 * The `--out DIR` of a diff: one file per table, and the checkpoint that lets the same command
 * go on after a kill. Each chunk a table finishes is recorded (its output flushed first); a
 * rerun with the same inputs skips the tables done, goes on with the others from their last
 * recorded chunk, and cuts their files back to the recorded lengths, so nothing is written twice
 * and the files end up as one uninterrupted run writes them. The checkpoint folder goes once
 * the diff is done.
 */
export class OutDir {
  private readonly outputs: TableOutput[] = [];

  private constructor(
    readonly dir: string,
    private readonly ckpt: DiffCheckpoint,
  ) {}

  static async open(
    dir: string,
    fingerprint: Fingerprint,
    opts: {
      readonly resume: boolean;
      readonly logger: Logger;
      readonly tables: ReadonlyMap<string, readonly string[]>;
    },
  ): Promise<OutDir> {
    return new OutDir(dir, await openDiffCheckpoint(dir, fingerprint, opts));
  }

  /** When the interrupted run this one goes on from started; null for a new diff. */
  get resumedFrom(): string | null {
    return this.ckpt.resumedFrom;
  }

  /** Chunks the interrupted runs finished (the tables done included). */
  get chunksDone(): number {
    return [...this.ckpt.saved.values()].reduce((n, r) => n + r.chunks, 0);
  }

  get tablesDone(): number {
    return [...this.ckpt.saved.values()].filter((r) => r.next === null).length;
  }

  /** What an interrupted run recorded of a table. */
  saved(table: string): DiffTableRecord | undefined {
    return this.ckpt.saved.get(table);
  }

  /** Where each compared table goes on from, for the engine. */
  resumePoints(): Map<string, ResumePoint | 'done'> {
    const out = new Map<string, ResumePoint | 'done'>();
    for (const [table, r] of this.ckpt.saved) {
      const p = r.next === null ? 'done' : loadPoint(r.next);
      if (p !== null) out.set(table, p);
    }
    return out;
  }

  /** A compared table's output, opened where the checkpoint left it; null when it is done. */
  async tableOutput(table: string): Promise<TableOutput | null> {
    const r = this.saved(table);
    if (r?.next === null) return null;
    const at: OutputLengths | null = r
      ? [r.lengths[0] ?? 0, r.lengths[1] ?? 0, r.lengths[2] ?? 0]
      : null;
    const { file, parts } = outputPaths(this.dir, table);
    const out = new TableOutput(file, parts, at);
    this.outputs.push(out);
    return out;
  }

  /** Records that a table took a chunk's result: done with its last, else where it goes on. */
  async took(table: string, pass: TablePass, next: ResumePoint | null): Promise<void> {
    const base = {
      tally: pass.tally.state(),
      chunks: pass.chunks,
      chunksSkipped: pass.chunksSkipped,
    };
    const out = pass.output;
    if (!out) throw new Error(`${table}: a chunk for a table that was done`);
    if (next === null) {
      const length = await out.complete();
      await this.ckpt.writer.record(table, { next: null, lengths: [length], ...base });
      await out.removeParts();
      return;
    }
    await out.flush();
    await this.ckpt.writer.record(table, {
      next: savePoint(next),
      lengths: out.lengths(),
      ...base,
    });
  }

  /**
   * A table only one side has: every key of it streamed to its file by `stream`, or, when an
   * interrupted run finished it, its entry as that run counted it. Not resumed within the table.
   */
  async oneSided(
    t: TableInfo,
    status: 'onlyInBackup' | 'onlyInInterim',
    stream: (sink: LineSink) => Promise<TableDiffResult>,
  ): Promise<TableDiffResult> {
    const r = this.saved(t.name);
    if (r?.next === null) {
      const c = r.tally.counts;
      return oneSidedResult(t, status, status === 'onlyInBackup' ? c.onlyBackup : c.onlyInterim, 0);
    }
    const file = await AppendFile.open(outputPaths(this.dir, t.name).file);
    let result: TableDiffResult;
    try {
      result = await stream({
        write: async (line) => {
          await file.write(`${JSON.stringify(line)}\n`);
        },
      });
      await file.close();
    } catch (e) {
      await file.abandon();
      throw e;
    }
    const tally = emptyTally();
    await this.ckpt.writer.record(t.name, {
      next: null,
      lengths: [file.length],
      tally: {
        ...tally,
        counts: { ...tally.counts, onlyBackup: result.onlyBackup, onlyInterim: result.onlyInterim },
      },
      chunks: 0,
      chunksSkipped: 0,
    });
    return result;
  }

  /** The diff is done: the checkpoint goes (a rerun is a new diff). */
  async finish(): Promise<void> {
    await rm(join(this.dir, CHECKPOINT_DIR), { recursive: true, force: true });
  }

  /** Closes what is open after a failure; the checkpoint stays for a rerun. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.outputs.map((o) => o.abandon()));
  }
}

/** A chunk's result counted into a table's pass. */
export async function takePart(pass: TablePass, part: ChunkPart): Promise<void> {
  await pass.tally.take(part);
  pass.chunks++;
  if (part.kind === 'identical') pass.chunksSkipped++;
}
