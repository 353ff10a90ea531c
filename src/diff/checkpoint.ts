import { readFile, rename, writeFile } from 'node:fs/promises';
import { errnoCode } from '../errno.js';
import { pausePoint } from '../test-pause.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 1;

/**
 * What a checkpoint is tied to, as labelled values ("interim", "table orders (backup)", "the
 * config"): a run whose values differ in any of them starts over, and says which.
 */
export type Fingerprint = Readonly<Record<string, string>>;

export type CheckpointCommand = 'diff' | 'plan';

/**
 * A checkpoint file: which command wrote it, when its first run started, what it is tied to,
 * and per table what is done (the command's own record: where the table goes on from, the
 * lengths of its output files, its counts so far).
 */
export interface CheckpointDoc<T> {
  readonly format: number;
  readonly command: CheckpointCommand;
  /** when the first of the runs that made it started (ISO) */
  readonly startedAt: string;
  readonly fingerprint: Fingerprint;
  readonly tables: Readonly<Record<string, T>>;
}

export type SavedCheckpoint<T> =
  | { readonly kind: 'none' }
  | { readonly kind: 'unusable'; readonly reason: string }
  | { readonly kind: 'found'; readonly doc: CheckpointDoc<T> };

/**
 * Reads a checkpoint file. `table` checks one table's record (null: not one): a file that does
 * not hold what this version writes is unusable, and the run starts over saying so.
 */
export async function readCheckpoint<T>(
  path: string,
  command: CheckpointCommand,
  table: (x: unknown) => T | null,
): Promise<SavedCheckpoint<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { kind: 'none' };
    throw e;
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return { kind: 'unusable', reason: `${path} is not JSON` };
  }
  const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (o.format !== FORMAT || o.command !== command)
    return { kind: 'unusable', reason: `${path} is not a ${command} checkpoint of this version` };
  const fp = o.fingerprint;
  const tables = o.tables;
  if (
    typeof o.startedAt !== 'string' ||
    typeof fp !== 'object' ||
    fp === null ||
    Object.values(fp).some((v) => typeof v !== 'string') ||
    typeof tables !== 'object' ||
    tables === null
  )
    return { kind: 'unusable', reason: `${path} is incomplete` };
  const checked: Record<string, T> = {};
  for (const [name, rec] of Object.entries(tables)) {
    const t = table(rec);
    if (t === null) return { kind: 'unusable', reason: `${path}: unreadable record of ${name}` };
    checked[name] = t;
  }
  return {
    kind: 'found',
    doc: {
      format: FORMAT,
      command,
      startedAt: o.startedAt,
      fingerprint: fp as Fingerprint,
      tables: checked,
    },
  };
}

/**
 * Why a checkpoint tied to `saved` cannot go on with `current`: the first label whose value
 * differs, or that only one of them has; null when they are the same.
 */
export function fingerprintChange(saved: Fingerprint, current: Fingerprint): string | null {
  for (const [label, now] of Object.entries(current)) {
    const was = saved[label];
    if (was === undefined) return `${label}: not in the interrupted run`;
    if (was === now) continue;
    const readable = (v: string): boolean => v.length <= 100 && !/^[0-9a-f]{32,}$/.test(v);
    return readable(was) && readable(now)
      ? `${label} changed (was ${was}, now ${now})`
      : `${label} changed`;
  }
  for (const label of Object.keys(saved))
    if (!(label in current)) return `${label}: gone since the interrupted run`;
  return null;
}

/**
 * The checkpoint file of a run, rewritten as tables record what they finished. Each write goes
 * to a temporary file renamed over the old one, so a kill leaves the old file or the new one,
 * never half of one. Writes are serialized, and a write asked for while one is under way is
 * folded into the next, which takes every record made until it starts.
 *
 * INVARIANT: a table's record may name only output that is already in the operating system
 * (AppendFile.flush), since a resume cuts its files back to the lengths recorded.
 */
export class CheckpointWriter<T> {
  private readonly tables: Record<string, T>;
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private readonly recorded = new Map<string, number>();

  constructor(
    readonly path: string,
    private readonly head: Omit<CheckpointDoc<T>, 'format' | 'tables'>,
    tables: Readonly<Record<string, T>>,
  ) {
    this.tables = { ...tables };
  }

  get startedAt(): string {
    return this.head.startedAt;
  }

  get(table: string): T | undefined {
    return this.tables[table];
  }

  /** Records a table's state (written with the next save). */
  set(table: string, state: T): void {
    this.tables[table] = state;
  }

  /** Records a table's state and writes the file (the crash tests may stop here). */
  async record(table: string, state: T): Promise<void> {
    this.set(table, state);
    await this.save();
    const n = (this.recorded.get(table) ?? 0) + 1;
    this.recorded.set(table, n);
    await pausePoint(`checkpoint:${table}:${n}`);
  }

  save(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing.then(() => {
      this.queued = null;
      return this.writeNow();
    });
    this.queued = next;
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async writeNow(): Promise<void> {
    const doc: CheckpointDoc<T> = { format: FORMAT, ...this.head, tables: this.tables };
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, `${JSON.stringify(doc)}\n`);
    await rename(tmp, this.path);
  }
}
