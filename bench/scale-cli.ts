/**
 * Runs the built CLI (`dist/cli/main.js`) the way a user does: one child process per command,
 * its wall time and peak RSS measured by `runMeasured` (GNU time's %M, or /proc VmHWM).
 * Passwords reach the children only through MYSQL_PWD, never on a command line.
 */
import { resolve } from 'node:path';
import { type DbTarget, describeTarget } from '../src/db/url.js';
import { type ProcessRun, runMeasured } from './measure.js';

export const CLI = resolve(import.meta.dirname, '../../cli/main.js');

/** The figures a measured command reports. */
export interface CommandFigure {
  readonly seconds: number;
  readonly peakRssMB: number | null;
  readonly exit: number | null;
}

/** The CLI's URL of a schema: no password (it goes through MYSQL_PWD). */
export function urlOf(t: DbTarget): string {
  return describeTarget(t);
}

export function childEnv(password: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (password) env.MYSQL_PWD = password;
  else delete env.MYSQL_PWD;
  return env;
}

/**
 * `reconcile ARGS`, measured; throws with the tail of its stderr unless it exits with one of
 * `exits` (diff exits 1 when it finds differences, which here it must).
 */
export async function reconcile(
  args: readonly string[],
  password: string | undefined,
  exits: readonly number[] = [0],
): Promise<ProcessRun> {
  const run = await runMeasured(
    process.execPath,
    [CLI, ...args, '--log-level', 'warn'],
    childEnv(password),
  );
  if (run.code === null || !exits.includes(run.code)) {
    throw new Error(
      `reconcile ${args[0]} exited ${run.code}: ${run.stderr.slice(-2000)}${run.stdout.slice(-1000)}`,
    );
  }
  return run;
}

export function figure(run: ProcessRun): CommandFigure {
  return { seconds: round(run.seconds), peakRssMB: run.peakRssMB, exit: run.code };
}

/**
 * The fastest of `n` runs (a busy neighbour only slows a run down), with the largest peak RSS
 * seen. `before` runs ahead of every run and is not timed (to reset a target, say).
 */
export async function fastest<T extends { seconds: number; peakRssMB: number | null }>(
  n: number,
  run: () => Promise<T>,
  before: () => Promise<void> = async () => undefined,
): Promise<T> {
  let out: T | null = null;
  let peak: number | null = null;
  for (let k = 0; k < n; k++) {
    await before();
    const r = await run();
    if (r.peakRssMB !== null) peak = Math.max(peak ?? 0, r.peakRssMB);
    if (out === null || r.seconds < out.seconds) out = r;
  }
  if (out === null) throw new Error('fastest: no run');
  return { ...out, peakRssMB: peak };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
