import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import type { Logger } from 'pino';
import type { PlanConfig } from '../config/types.js';
import {
  CHECKPOINT_FILE,
  CheckpointWriter,
  type Fingerprint,
  fingerprintChange,
  readCheckpoint,
  type SavedCheckpoint,
} from '../diff/checkpoint.js';
import {
  describePoint,
  loadPoint,
  type ResumePoint,
  type SavedPoint,
  savePoint,
} from '../diff/resume-point.js';
import type { Digest } from '../hash/digest.js';
import { configRecord, schemaFingerprint } from './fingerprint.js';
import type { PlanInputs } from './plan-inputs.js';

/** How far a table's diff got: where it goes on from, and what its spools hold. */
export interface SpoolProgress {
  /** null: the table's diff is done */
  readonly next: SavedPoint | null;
  /** bytes of its spools: pairs, only in the backup, only in the interim */
  readonly spools: readonly [number, number, number];
  readonly identical: number;
}

/** One table's record in a plan's checkpoint. */
export interface PlanTableRecord {
  /**
   * the interim's digest of the table when the run that started its diff opened its snapshot
   * (and how it was computed): a rerun whose interim differs diffs the table again
   */
  readonly interim: { readonly digest: Digest; readonly method: string };
  /** null: its diff has not finished a chunk */
  readonly progress: SpoolProgress | null;
}

/** What a plan's checkpoint is tied to: the config as hashed, the servers, the schemas. */
export function planFingerprint(config: PlanConfig, inputs: PlanInputs): Fingerprint {
  const fp: Record<string, string> = {};
  const rec = configRecord(config);
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'tables') continue;
    fp[`the config's ${k}`] = stableStringify(v);
  }
  for (const [t, v] of Object.entries(config.tables))
    fp[`the config's tables.${t}`] = stableStringify(v);
  fp["the backup's server"] = inputs.src.servers.backup.version;
  fp["the interim's server"] = inputs.src.servers.interim.version;
  fp["the target's server"] = inputs.target.server.version;
  fp["the backup's schema"] = schemaFingerprint(inputs.src.backupSchema);
  fp["the interim's schema"] = schemaFingerprint(inputs.src.interimSchema);
  fp["the target's schema"] = schemaFingerprint(inputs.target.schema);
  return fp;
}

export function loadPlanRecord(x: unknown): PlanTableRecord | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const i = o.interim as { digest?: { count?: unknown; sum?: unknown }; method?: unknown } | null;
  if (
    typeof i !== 'object' ||
    i === null ||
    typeof i.method !== 'string' ||
    typeof i.digest?.count !== 'string' ||
    typeof i.digest?.sum !== 'string'
  )
    return null;
  if (o.progress === null) return x as PlanTableRecord;
  const p = o.progress as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) return null;
  if (p.next !== null && loadPoint(p.next) === null) return null;
  const spools = p.spools;
  if (!Array.isArray(spools) || spools.length !== 3 || !spools.every(isCount)) return null;
  if (!isCount(p.identical)) return null;
  return x as PlanTableRecord;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads the checkpoint an interrupted plan left in its work folder (before inputs open). */
export function readPlanCheckpoint(work: string): Promise<SavedCheckpoint<PlanTableRecord>> {
  return readCheckpoint(join(work, CHECKPOINT_FILE), 'plan', loadPlanRecord);
}

/**
 * A plan's checkpoint: per table, the interim's digest when its diff started and how far the
 * diff got. Only the diff is checkpointed (the passes after it are a fraction of its time and
 * depend on every table's diff): a rerun goes on with the diff, then plans every table.
 */
export class PlanCheckpoint {
  private constructor(
    private readonly writer: CheckpointWriter<PlanTableRecord>,
    /** per table, how far an interrupted run's diff got (those it goes on with) */
    private readonly saved: ReadonlyMap<string, SpoolProgress>,
    readonly resumedFrom: string | null,
  ) {}

  /**
   * Goes on from `saved` when it is tied to the same config, servers and schemas, table by
   * table where the interim's digest is the one the interrupted run read (a table that changed
   * is diffed again from its start, so that every spooled row is as this run's snapshot has
   * it); else starts a new checkpoint. Says why, for whatever it does not go on with.
   */
  static async begin(
    work: string,
    saved: SavedCheckpoint<PlanTableRecord>,
    current: {
      readonly fingerprint: Fingerprint;
      readonly interim: ReadonlyMap<string, PlanTableRecord['interim']>;
      readonly keys: ReadonlyMap<string, readonly string[]>;
      /** per table, its spool files (pairs, only in the backup, only in the interim) */
      readonly spools: ReadonlyMap<string, readonly string[]>;
    },
    logger: Logger,
  ): Promise<PlanCheckpoint> {
    const path = join(work, CHECKPOINT_FILE);
    const tables: Record<string, PlanTableRecord> = {};
    for (const [t, interim] of current.interim) tables[t] = { interim, progress: null };
    if (saved.kind !== 'found') {
      const writer = new CheckpointWriter(path, head(current.fingerprint), tables);
      await writer.save();
      return new PlanCheckpoint(writer, new Map(), null);
    }
    const doc = saved.doc;
    const going = new Map<string, SpoolProgress>();
    for (const [t, interim] of current.interim) {
      const was = doc.tables[t];
      if (!was?.progress) continue;
      const why = sameInterim(was.interim, interim)
        ? await shortSpool(current.spools.get(t) ?? [], was.progress.spools)
        : `the interim's rows of it changed since the interrupted plan (digest ${was.interim.digest.count} rows ${was.interim.digest.sum}, now ${interim.digest.count} rows ${interim.digest.sum})`;
      if (why !== null) {
        logger.warn(
          { event: 'plan.table-restarted', table: t, reason: why },
          `diffing ${t} again from its start: ${why}`,
        );
        continue;
      }
      tables[t] = { interim, progress: was.progress };
      going.set(t, was.progress);
    }
    const writer = new CheckpointWriter(
      path,
      { command: 'plan', startedAt: doc.startedAt, fingerprint: current.fingerprint },
      tables,
    );
    await writer.save();
    const ck = new PlanCheckpoint(writer, going, doc.startedAt);
    ck.logResume(logger, current.keys);
    return ck;
  }

  /** Where each table's diff goes on from, for the engine. */
  resumePoints(): Map<string, ResumePoint | 'done'> {
    const out = new Map<string, ResumePoint | 'done'>();
    for (const [t, p] of this.saved) {
      const point = p.next === null ? 'done' : loadPoint(p.next);
      if (point !== null) out.set(t, point);
    }
    return out;
  }

  /** How far an interrupted run's diff of a table got (null: from its start). */
  progress(table: string): SpoolProgress | null {
    return this.saved.get(table) ?? null;
  }

  /** Records a table's diff progress (its spools flushed first). */
  async record(table: string, next: ResumePoint | null, progress: Omit<SpoolProgress, 'next'>) {
    const was = this.writer.get(table);
    if (!was) throw new Error(`no checkpoint record of ${table}`);
    await this.writer.record(table, {
      interim: was.interim,
      progress: { ...progress, next: next === null ? null : savePoint(next) },
    });
  }

  private logResume(logger: Logger, keys: ReadonlyMap<string, readonly string[]>): void {
    const done = [...this.saved.values()].filter((p) => p.next === null).length;
    const going: { table: string; from: string }[] = [];
    for (const [t, p] of this.saved) {
      const point = p.next === null ? null : loadPoint(p.next);
      if (point) going.push({ table: t, from: describePoint(keys.get(t) ?? [], point) });
    }
    const where = going.map((g) => `table ${g.table} ${g.from}`).join('; ');
    logger.info(
      {
        event: 'plan.resumed',
        since: this.resumedFrom,
        tables: keys.size,
        tablesDone: done,
        resumed: going,
      },
      `resuming the plan started at ${this.resumedFrom}: the diff of ${done} of ${keys.size} tables done${where ? `, ${where}` : ''}`,
    );
  }
}

/** The first spool shorter than recorded (cut or gone since), as a reason; null if none. */
async function shortSpool(
  paths: readonly string[],
  lengths: readonly number[],
): Promise<string | null> {
  if (paths.length !== lengths.length) return 'its spools are not where the checkpoint says';
  for (const [n, p] of paths.entries()) {
    const size = await stat(p).then(
      (s) => s.size,
      () => -1,
    );
    const want = lengths[n] ?? 0;
    if (size < want)
      return `${p} ${size < 0 ? 'is gone' : `holds ${size} bytes, the checkpoint recorded ${want}`}`;
  }
  return null;
}

function head(fingerprint: Fingerprint) {
  return { command: 'plan' as const, startedAt: new Date().toISOString(), fingerprint };
}

function sameInterim(a: PlanTableRecord['interim'], b: PlanTableRecord['interim']): boolean {
  return (
    a.method === b.method && a.digest.count === b.digest.count && a.digest.sum === b.digest.sum
  );
}

/** Why an interrupted plan's checkpoint is not gone on with, or null when it is. */
export function planRestartReason(
  saved: SavedCheckpoint<PlanTableRecord>,
  fingerprint: Fingerprint,
  resume: boolean,
): string | null {
  if (saved.kind === 'none') return null;
  if (saved.kind === 'unusable') return saved.reason;
  if (!resume) return '--no-resume';
  return fingerprintChange(saved.doc.fingerprint, fingerprint);
}
