/**
 * The diff cases of `npm run bench:scale`: a full `reconcile diff --out DIR` of the pair, and a
 * diff killed (SIGKILL, as a crash) at about half a full run's time and then run again into
 * the same folder, which holds its checkpoint: the second run's time as a share of a full run
 * says how much of the first run's work it kept, and its files must be the full run's.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DbTarget } from '../src/db/url.js';
import type { ProcessRun } from './measure.js';
import {
  CLI,
  type CommandFigure,
  childEnv,
  fastest,
  figure,
  reconcile,
  round,
  urlOf,
} from './scale-cli.js';

export interface DiffTotals {
  readonly identical: number;
  readonly changed: number;
  readonly onlyBackup: number;
  readonly onlyInterim: number;
}

export interface DiffPair {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly password: string | undefined;
}

function diffArgs(p: DiffPair, out: string): string[] {
  return [
    'diff',
    '--backup',
    urlOf(p.backup),
    '--interim',
    urlOf(p.interim),
    '--json',
    '--out',
    out,
  ];
}

function totalsOf(run: ProcessRun): DiffTotals {
  const doc = JSON.parse(run.stdout) as { totals: DiffTotals };
  const { identical, changed, onlyBackup, onlyInterim } = doc.totals;
  return { identical, changed, onlyBackup, onlyInterim };
}

/** A full diff (exit 1: differences found, as they must be here), fastest of `repeat`. */
export async function fullDiff(
  p: DiffPair,
  dir: string,
  repeat: number,
): Promise<CommandFigure & { totals: DiffTotals }> {
  const out = join(dir, 'diff-full');
  const run = await fastest(
    repeat,
    () => reconcile(diffArgs(p, out), p.password, [1]),
    () => rm(out, { recursive: true, force: true }),
  );
  return { ...figure(run), totals: totalsOf(run) };
}

/** Starts a diff and SIGKILLs it after `seconds`; resolves when it is gone. */
function killedDiff(p: DiffPair, out: string, seconds: number): Promise<{ finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...diffArgs(p, out), '--log-level', 'warn'], {
      env: childEnv(p.password),
      stdio: 'ignore',
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, seconds * 1000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ finished: !killed });
    });
  });
}

export interface ResumeFigure {
  readonly killedAfterSeconds: number;
  /** the first run ended before the kill (the share then means nothing) */
  readonly finishedBeforeKill: boolean;
  readonly rerun: CommandFigure;
  /** rerun seconds / full diff seconds */
  readonly shareOfFull: number;
  /** the rerun found what the full run found */
  readonly sameTotals: boolean;
  /** the rerun's folder holds the full run's files, byte for byte */
  readonly sameFiles: boolean;
  /** what the rerun said it went on from (its `resumed`), null when it started over */
  readonly resumed: unknown;
}

export async function resumedDiff(
  p: DiffPair,
  dir: string,
  full: CommandFigure & { totals: DiffTotals },
): Promise<ResumeFigure> {
  const out = join(dir, 'diff-resume');
  await rm(out, { recursive: true, force: true });
  const killAt = full.seconds / 2;
  const first = await killedDiff(p, out, killAt);
  const run = await reconcile(diffArgs(p, out), p.password, [1]);
  return {
    killedAfterSeconds: round(killAt),
    finishedBeforeKill: first.finished,
    rerun: figure(run),
    shareOfFull: round(run.seconds / full.seconds),
    sameTotals: JSON.stringify(totalsOf(run)) === JSON.stringify(full.totals),
    sameFiles:
      JSON.stringify(await digestsOf(out)) ===
      JSON.stringify(await digestsOf(join(dir, 'diff-full'))),
    resumed: (JSON.parse(run.stdout) as { resumed?: unknown }).resumed ?? null,
  };
}

/** sha256 of every file of a folder (hidden ones too), by name. */
async function digestsOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort())
    out[f] = createHash('sha256')
      .update(await readFile(join(dir, f)))
      .digest('hex');
  return out;
}
