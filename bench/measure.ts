import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/db/mysql.js';
import { quoteTable } from '../src/db/quote.js';
import { type DbTarget, withSchema } from '../src/db/url.js';

export interface ProcessRun {
  readonly code: number | null;
  readonly seconds: number;
  /** peak resident set of the process, MB */
  readonly peakRssMB: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const TIME = '/usr/bin/time';

/**
 * Runs a command and measures its wall time and peak RSS. The peak comes from GNU time's %M
 * when it is installed, else from polling /proc/<pid>/status VmHWM (a high-water mark, so a
 * poll just before exit still sees the peak).
 */
export function runMeasured(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessRun> {
  const useTime = existsSync(TIME);
  const marker = '@@peak-rss-kb=';
  const argv = useTime ? ['-f', `${marker}%M`, cmd, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(useTime ? TIME : cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let polled: number | null = null;
    const poll = useTime
      ? null
      : setInterval(() => {
          const kb = vmHwmKb(child.pid);
          if (kb !== null) polled = kb;
        }, 50);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (poll) clearInterval(poll);
      let stderr = Buffer.concat(err).toString('utf8');
      let peak = polled;
      const at = stderr.lastIndexOf(marker);
      if (at >= 0) {
        peak = Number(stderr.slice(at + marker.length).trim());
        stderr = stderr.slice(0, at);
      }
      resolve({
        code,
        seconds,
        peakRssMB: peak === null ? null : Math.round(peak / 102.4) / 10,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
      });
    });
  });
}

function vmHwmKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The physical floor: CHECKSUM TABLE of both tables at once, each on its own connection (the
 * server's own full scan, with no expression per column and nothing sent per row).
 */
export async function checksumFloor(
  server: DbTarget,
  tables: readonly { schema: string; table: string }[],
): Promise<number> {
  const conns = await Promise.all(
    tables.map((t) => connect(withSchema(server, t.schema), { connectTimeoutMs: 10_000 })),
  );
  try {
    const t0 = performance.now();
    await Promise.all(
      tables.map((t, n) => conns[n]?.query(`CHECKSUM TABLE ${quoteTable(t.schema, t.table)}`)),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

export function hasCommand(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => d && existsSync(join(d, name)));
}

/**
 * `pt-table-sync --print` on the same pair (prints the statements that would make the interim
 * table equal the backup's; never --execute). A password goes through a defaults file readable
 * only by us, never on the command line.
 */
export async function runPtTableSync(
  server: DbTarget,
  backup: string,
  interim: string,
  table: string,
): Promise<ProcessRun & { statements: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'reconcile-bench-'));
  try {
    let dsn = `h=${server.host},P=${server.port},u=${server.user}`;
    if (server.password) {
      const file = join(dir, 'my.cnf');
      await writeFile(file, `[client]\npassword=${server.password}\n`, { mode: 0o600 });
      dsn = `F=${file},${dsn}`;
    }
    const run = await runMeasured('pt-table-sync', [
      '--print',
      '--no-version-check',
      '--no-check-slave',
      `${dsn},D=${backup},t=${table}`,
      `D=${interim},t=${table}`,
    ]);
    const statements = run.stdout
      .split('\n')
      .filter((l) => /^(INSERT|UPDATE|DELETE|REPLACE)/.test(l));
    return { ...run, statements: statements.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
