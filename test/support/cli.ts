import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

// RECONCILE_TEST_BIN runs the tests against another build (to see a test fail before a fix).
const BIN = resolve(process.env.RECONCILE_TEST_BIN ?? 'dist/cli/main.js');

/** Runs the built CLI as a user would, in a child process. */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, MYSQL_PWD: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The lines of a command's stderr (JSON log lines) other than the plan's warnings. */
export function notWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.length > 0)
    .filter((l) => {
      try {
        return (JSON.parse(l) as { event?: string }).event !== 'plan.warning';
      } catch {
        return true;
      }
    });
}
