import type { Progress } from '../diff/progress.js';
import { noProgress } from '../diff/progress.js';

/**
 * Progress on a TTY (stderr): rows done / estimated, rate and ETA for the table in hand.
 * Nothing at all when stderr is not a terminal: logs only.
 */
export function createProgress(
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return noProgress;
  const tables = new Map<string, { total: number; done: number; started: number }>();
  let last = 0;
  let shown = false;
  const draw = (table: string, force: boolean): void => {
    const now = performance.now();
    if (!force && now - last < 200) return;
    last = now;
    const t = tables.get(table);
    if (!t) return;
    const secs = (now - t.started) / 1000;
    const rate = secs > 0 ? t.done / secs : 0;
    const total = Math.max(t.total, t.done);
    const eta = rate > 0 && total > t.done ? `ETA ${Math.ceil((total - t.done) / rate)}s` : '';
    const pct = total > 0 ? ` ${Math.min(100, Math.floor((100 * t.done) / total))}%` : '';
    const line = `${table}: ${t.done.toLocaleString('en-US')} / ~${total.toLocaleString('en-US')} ${unit}${pct}  ${Math.round(rate).toLocaleString('en-US')} ${unit}/s  ${eta}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
    shown = true;
  };
  return {
    tableStarted(table, estimate) {
      tables.set(table, { total: estimate, done: 0, started: performance.now() });
      draw(table, true);
    },
    rowsDone(table, rows) {
      const t = tables.get(table);
      if (t) t.done += rows;
      draw(table, false);
    },
    tableDone(table) {
      tables.delete(table);
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
