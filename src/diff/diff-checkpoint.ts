import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerInfo } from '../db/types.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import type { TablePair } from '../introspect/compare.js';
import { tableFingerprint } from '../introspect/fingerprint.js';
import type { TableInfo } from '../introspect/types.js';
import { must } from '../must.js';
import {
  CHECKPOINT_FILE,
  CheckpointWriter,
  type Fingerprint,
  fingerprintChange,
  readCheckpoint,
} from './checkpoint.js';
import { tableFileName } from './jsonl-writer.js';
import { describePoint, loadPoint, type SavedPoint } from './resume-point.js';
import type { TallyState } from './table-tally.js';

/** The folder inside `--out DIR` that holds the checkpoint and the tables' part files. */
export const CHECKPOINT_DIR = '.reconcile-checkpoint';

/** One table's record in a diff's checkpoint. */
export interface DiffTableRecord {
  /** where the table goes on from; null: done */
  readonly next: SavedPoint | null;
  /** bytes of its output: in progress, OutputLengths; done, the table file's */
  readonly lengths: readonly number[];
  readonly tally: TallyState;
  /** chunks compared so far, and of them proved identical by the servers' checksums */
  readonly chunks: number;
  readonly chunksSkipped: number;
}

/** The files of a table's output in `--out DIR`. */
export function outputPaths(dir: string, table: string): { file: string; parts: string } {
  return {
    file: join(dir, tableFileName(table, 'jsonl')),
    parts: join(dir, CHECKPOINT_DIR, tableFileName(table, 'part')),
  };
}

/** What a diff's checkpoint is tied to: every option and schema that changes its output. */
export function diffFingerprint(x: {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly tables: readonly string[] | null;
  readonly sampleLimit: number;
  readonly servers: { readonly backup: ServerInfo; readonly interim: ServerInfo };
  readonly pairs: readonly TablePair[];
  readonly onlyInBackup: readonly TableInfo[];
  readonly onlyInInterim: readonly TableInfo[];
}): Fingerprint {
  const fp: Record<string, string> = {
    '--backup': describeTarget(x.backup),
    '--interim': describeTarget(x.interim),
    '--tables': x.tables ? [...x.tables].sort().join(',') : '(all)',
    '--sample': String(x.sampleLimit),
    "the backup's server": x.servers.backup.version,
    "the interim's server": x.servers.interim.version,
  };
  const shape = (side: string, t: TableInfo): void => {
    fp[`the ${side}'s table ${JSON.stringify(t.name)}`] = tableFingerprint(t);
  };
  for (const p of x.pairs) {
    shape('backup', p.backup);
    shape('interim', p.interim);
  }
  for (const t of x.onlyInBackup) shape('backup', t);
  for (const t of x.onlyInInterim) shape('interim', t);
  return fp;
}

/** A record as the checkpoint file holds it, checked; null when it is not one. */
export function loadDiffRecord(x: unknown): DiffTableRecord | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const next = o.next === null ? null : loadPoint(o.next);
  if (o.next !== null && next === null) return null;
  const lengths = o.lengths;
  const want = next === null ? 1 : 3;
  if (!Array.isArray(lengths) || lengths.length !== want || !lengths.every(isCount)) return null;
  if (!isCount(o.chunks) || !isCount(o.chunksSkipped) || !isTally(o.tally)) return null;
  return x as DiffTableRecord;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isTally(v: unknown): v is TallyState {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  const counts = t.counts as Record<string, unknown> | null;
  const samples = t.samples as Record<string, unknown> | null;
  return (
    typeof counts === 'object' &&
    counts !== null &&
    ['identical', 'changed', 'onlyBackup', 'onlyInterim'].every((k) => isCount(counts[k])) &&
    typeof t.changedColumns === 'object' &&
    t.changedColumns !== null &&
    typeof samples === 'object' &&
    samples !== null &&
    ['changed', 'onlyBackup', 'onlyInterim'].every((k) => Array.isArray(samples[k]))
  );
}

/** The checkpoint a diff into `--out DIR` writes, and what an interrupted run left in it. */
export interface DiffCheckpoint {
  readonly writer: CheckpointWriter<DiffTableRecord>;
  /** per table, what an interrupted run recorded (absent: from the start) */
  readonly saved: ReadonlyMap<string, DiffTableRecord>;
  /** when the interrupted run started, if this run goes on from it */
  readonly resumedFrom: string | null;
}

/**
 * Goes on from the checkpoint in `DIR` when it is tied to the same inputs (and `resume`), or
 * starts a new one, saying why the old one is not used. Every table it goes on with is where
 * the checkpoint says, and its files hold at least what it recorded (else it starts over).
 */
export async function openDiffCheckpoint(
  outDir: string,
  fingerprint: Fingerprint,
  opts: {
    readonly resume: boolean;
    readonly logger: Logger;
    /** every table of the diff, with its key columns (none without a key) */
    readonly tables: ReadonlyMap<string, readonly string[]>;
  },
): Promise<DiffCheckpoint> {
  const dir = join(outDir, CHECKPOINT_DIR);
  const path = join(dir, CHECKPOINT_FILE);
  const found = await readCheckpoint(path, 'diff', loadDiffRecord);
  let why: string | null = null;
  if (found.kind === 'unusable') why = found.reason;
  else if (found.kind === 'found') {
    why = opts.resume
      ? (fingerprintChange(found.doc.fingerprint, fingerprint) ??
        (await shortFile(outDir, found.doc.tables)))
      : '--no-resume';
    if (why === null) {
      const saved = new Map(Object.entries(found.doc.tables));
      const writer = new CheckpointWriter(
        path,
        { command: 'diff', startedAt: found.doc.startedAt, fingerprint },
        found.doc.tables,
      );
      logResume(opts.logger, saved, opts.tables, found.doc.startedAt);
      return { writer, saved, resumedFrom: found.doc.startedAt };
    }
  }
  if (why !== null)
    opts.logger.warn(
      { event: 'diff.restarted', reason: why },
      `starting over, not resuming the interrupted diff in ${outDir}: ${why}`,
    );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const writer = new CheckpointWriter<DiffTableRecord>(
    path,
    { command: 'diff', startedAt: new Date().toISOString(), fingerprint },
    {},
  );
  await writer.save();
  return { writer, saved: new Map(), resumedFrom: null };
}

/** The first file shorter than its record says, as a reason to start over; null if none. */
async function shortFile(
  outDir: string,
  tables: Readonly<Record<string, DiffTableRecord>>,
): Promise<string | null> {
  for (const [table, r] of Object.entries(tables)) {
    const { file, parts } = outputPaths(outDir, table);
    const paths = r.next === null ? [file] : [file, `${parts}.onlyBackup`, `${parts}.onlyInterim`];
    for (const [n, p] of paths.entries()) {
      const size = await stat(p).then(
        (s) => s.size,
        () => -1,
      );
      const want = r.lengths[n] ?? 0;
      if (size < want)
        return `${p} ${size < 0 ? 'is gone' : `holds ${size} bytes, the checkpoint recorded ${want}`}`;
    }
  }
  return null;
}

function logResume(
  logger: Logger,
  saved: ReadonlyMap<string, DiffTableRecord>,
  tables: ReadonlyMap<string, readonly string[]>,
  since: string,
): void {
  const total = tables.size;
  const done = [...saved.values()].filter((r) => r.next === null).length;
  const going: { table: string; from: string }[] = [];
  for (const [table, r] of saved) {
    if (r.next === null) continue;
    const p = must(loadPoint(r.next) ?? undefined, `resume point of ${table}`);
    going.push({ table, from: describePoint(tables.get(table) ?? [], p) });
  }
  const chunksDone = [...saved.values()].reduce((n, r) => n + r.chunks, 0);
  const where = going.map((g) => `table ${g.table} ${g.from}`).join('; ');
  logger.info(
    { event: 'diff.resumed', since, tables: total, tablesDone: done, chunksDone, resumed: going },
    `resuming the diff started at ${since}: ${done} of ${total} tables done${where ? `, ${where}` : ''}`,
  );
}
