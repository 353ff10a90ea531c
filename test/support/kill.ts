import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PAUSE_ENV } from '../../src/test-pause.js';
import type { CliResult } from '../support/cli.js';

// RECONCILE_TEST_BIN runs the tests against another build (to see a test fail before a fix).
const BIN = resolve(process.env.RECONCILE_TEST_BIN ?? 'dist/cli/main.js');

/**
 * Runs the built CLI until it reaches the test pause `point`, then kills it with SIGKILL (no
 * cleanup of any kind runs: the server sees the connection drop, as after a crash). Rejects if
 * the process ends without reaching the point.
 */
export function killAt(args: readonly string[], point: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, MYSQL_PWD: '', [PAUSE_ENV]: point },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let paused = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (!paused && stderr.includes(`test pause at ${point}\n`)) {
        paused = true;
        child.kill('SIGKILL');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (paused && signal === 'SIGKILL') resolvePromise();
      else
        reject(new Error(`never paused at ${point} (exit ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

export interface PausedRun {
  /** resolves when the process reached the pause point */
  readonly paused: Promise<void>;
  /** resolves when the process ended, with what it printed */
  readonly done: Promise<CliResult>;
  /** sends a signal to the process (SIGUSR2 lets it go on from the pause) */
  signal(s: NodeJS.Signals): void;
  /** stderr so far */
  stderr(): string;
}

/**
 * Runs the built CLI with a test pause at `point` and hands the test the process: to pause or
 * kill the server there, to send SIGINT/SIGTERM, or SIGUSR2 to let it go on.
 */
export function runToPause(
  args: readonly string[],
  point: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): PausedRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, MYSQL_PWD: '', [PAUSE_ENV]: point, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let reached: () => void = () => undefined;
  const paused = new Promise<void>((r) => {
    reached = r;
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    if (stderr.includes(`test pause at ${point}\n`)) reached();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return {
    paused: Promise.race([
      paused,
      done.then((r) => {
        throw new Error(`ended before pausing at ${point} (exit ${r.code}): ${r.stderr}`);
      }),
    ]),
    done,
    signal: (s) => child.kill(s),
    stderr: () => stderr,
  };
}
