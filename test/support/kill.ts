import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PAUSE_ENV } from '../../src/apply/test-pause.js';

const BIN = resolve('dist/cli/main.js');

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
