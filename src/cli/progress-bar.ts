import type { Progress } from '../diff/progress.js';
import { noProgress } from '../diff/progress.js';
import { type LiveStream, liveRegion } from '../live-region.js';

/** How far one table is. */
export interface TableProgress {
  /** the estimate the work started with (information_schema's, for a diff) */
  readonly total: number;
  readonly done: number;
  /** performance.now() when the table started */
  readonly started: number;
  /** seconds the run has spent paused (apply --live) */
  readonly paused?: number;
}

/** Tables shown at once; the rest are counted on one more line. */
const MAX_LINES = 6;
/** Redraws at most this often: a terminal is slow, and the eye slower. */
const REDRAW_MS = 150;

/**
 * Progress on a TTY (stderr): one line per table in progress with rows done / total, rate and
 * ETA, redrawn in place below the logs. Nothing at all when the stream is not a terminal:
 * logs only.
 */
export function createProgress(unit: string, stream: LiveStream = process.stderr): Progress {
  if (!stream.isTTY) return noProgress;
  const region = liveRegion(stream);
  const tables = new Map<
    string,
    { total: number; done: number; started: number; paused?: number }
  >();
  let last = 0;
  const draw = (force: boolean): void => {
    const now = performance.now();
    if (!force && now - last < REDRAW_MS) return;
    last = now;
    const lines = [...tables]
      .slice(0, MAX_LINES)
      .map(([name, t]) => progressLine(name, t, now, unit));
    if (tables.size > MAX_LINES) lines.push(`… and ${tables.size - MAX_LINES} more tables`);
    region.set(lines);
  };
  return {
    tableStarted(table, estimate) {
      tables.set(table, { total: estimate, done: 0, started: performance.now() });
      draw(true);
    },
    rowsDone(table, rows) {
      const t = tables.get(table);
      if (t) t.done += rows;
      draw(false);
    },
    tableDone(table) {
      tables.delete(table);
      draw(true);
    },
    paused(table, seconds) {
      const t = tables.get(table);
      if (t) t.paused = seconds;
      draw(true);
    },
  };
}

/**
 * `orders  12,000 / ~50,000 rows  24%  8,000 rows/s  ETA 5s`. The total is an estimate: once
 * the work passes it, the line shows the rows done and the rate only.
 */
export function progressLine(name: string, t: TableProgress, now: number, unit: string): string {
  const secs = (now - t.started) / 1000;
  const rate = secs > 0 ? t.done / secs : 0;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const parts = [name];
  if (t.total > t.done) {
    parts.push(`${n(t.done)} / ~${n(t.total)} ${unit}`, `${Math.floor((100 * t.done) / t.total)}%`);
  } else {
    parts.push(`${n(t.done)} ${unit}`);
  }
  if (rate > 0) parts.push(`${n(rate)} ${unit}/s`);
  if (rate > 0 && t.total > t.done) parts.push(`ETA ${duration((t.total - t.done) / rate)}`);
  if (t.paused && t.paused >= 1) parts.push(`paused ${duration(t.paused)} so far`);
  return parts.join('  ');
}

/** 7s, 3m05s, 2h04m. */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
