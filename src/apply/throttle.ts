/**
 * A live run's manners, after gh-ost: before each batch it pauses while the server is busier
 * than `--max-load` allows (global status variables over their thresholds, e.g.
 * Threads_running=25) or while the pause file exists (`touch` it to pause a run on demand,
 * remove it to go on), and it keeps each batch near a time target by resizing batches. The
 * time spent paused is counted and said.
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Session } from '../db/types.js';
import { UsageError } from '../errors.js';
import type { StopToken } from '../stop.js';

/** `--max-load Threads_running=25,Threads_connected=500`: status variable → highest allowed. */
export type MaxLoad = ReadonlyMap<string, number>;

export function parseMaxLoad(text: string): MaxLoad {
  const out = new Map<string, number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)$/.exec(part);
    if (!m?.[1] || !m[2]) {
      throw new UsageError(
        `--max-load: ${JSON.stringify(part)} is not STATUS_VARIABLE=NUMBER (e.g. Threads_running=25)`,
      );
    }
    out.set(m[1], Number(m[2]));
  }
  return out;
}

export interface ThrottleOptions {
  readonly maxLoad: MaxLoad;
  /** while this file exists, the run pauses (null: no pause file) */
  readonly pauseFile: string | null;
  /** how long a batch should take, in seconds: batches are resized towards it */
  readonly batchSeconds: number;
}

/** How often a paused run looks again. */
const POLL_MS = 500;

export class Throttle {
  private pausedMs = 0;
  private said = '';

  constructor(
    private readonly opts: ThrottleOptions,
    private readonly session: Session,
    private readonly logger: Logger,
    private readonly stop?: StopToken,
  ) {}

  /** seconds spent paused so far */
  get pausedSeconds(): number {
    return this.pausedMs / 1000;
  }

  /** Waits while the server is over `--max-load` or the pause file exists. */
  async wait(where: string): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const why = await this.reason();
      if (why === null || this.stop?.requested) break;
      if (why !== this.said) {
        this.logger.warn(
          { event: 'apply.paused', reason: why, at: where },
          `paused before ${where}: ${why}`,
        );
        this.said = why;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const waited = performance.now() - t0;
    if (this.said !== '') {
      this.logger.warn(
        { event: 'apply.resumed', pausedSeconds: waited / 1000 },
        `going on after ${(waited / 1000).toFixed(1)} s paused`,
      );
      this.said = '';
    }
    this.pausedMs += waited;
  }

  private async reason(): Promise<string | null> {
    if (this.opts.pauseFile && existsSync(this.opts.pauseFile)) {
      return `the pause file ${this.opts.pauseFile} exists (remove it to go on)`;
    }
    if (this.opts.maxLoad.size === 0) return null;
    const names = [...this.opts.maxLoad.keys()];
    const rows = await this.session.query<{ Variable_name: string; Value: string }>(
      `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
      names,
    );
    for (const r of rows) {
      const limit = [...this.opts.maxLoad].find(
        ([k]) => k.toLowerCase() === r.Variable_name.toLowerCase(),
      )?.[1];
      if (limit !== undefined && Number(r.Value) > limit) {
        return `${r.Variable_name}=${r.Value} is over --max-load ${limit}`;
      }
    }
    return null;
  }
}

/**
 * The next batch's size: halved after a batch that took longer than the target, grown by half
 * after one that took less than a quarter of it, within [min, max].
 */
export function nextBatchRows(
  rows: number,
  seconds: number,
  target: number,
  max: number,
  min = 10,
): number {
  if (seconds > target) return Math.max(min, Math.floor(rows / 2));
  if (seconds < target / 4) return Math.min(max, Math.ceil(rows * 1.5));
  return rows;
}
