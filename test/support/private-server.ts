/**
 * A MariaDB server of a test's (or a benchmark's) own: its own data folder under the system's
 * temporary folder, its own free port, started and ended by its own pid. It can be killed,
 * paused, resumed and restarted at will; the shared server on 3306 is never touched.
 *
 *   const s = await PrivateServer.start({ args: ['--max-allowed-packet=1M'] });
 *   s.url      // mysql://root@127.0.0.1:PORT (no schema)
 *   s.pause(); s.resume(); await s.kill(); await s.restart(); await s.stop();
 *
 * Needs `mariadb-install-db` and `mariadbd` (Debian's mariadb-server); `PrivateServer.available()`
 * says whether they are here, so a test can skip with a reason where they are not.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';

const run = promisify(execFile);

const INSTALL = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'];
const SERVER = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];

function firstExisting(paths: readonly string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

export interface PrivateServerOptions {
  /** extra mariadbd options, e.g. `--require-secure-transport=ON` */
  readonly args?: readonly string[];
  /** a label for the data folder's name */
  readonly name?: string;
  /** how long to wait for the server to answer (default 30 s) */
  readonly startTimeoutMs?: number;
}

export class PrivateServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    /** the folder holding the data folder, the socket and the error log */
    readonly dir: string,
    readonly port: number,
    private args: readonly string[],
    private readonly startTimeoutMs: number,
  ) {}

  /** Whether this machine can start one (the MariaDB server binaries are installed). */
  static available(): boolean {
    return firstExisting(INSTALL) !== null && firstExisting(SERVER) !== null;
  }

  static async start(opts: PrivateServerOptions = {}): Promise<PrivateServer> {
    const install = firstExisting(INSTALL);
    if (!install || !firstExisting(SERVER)) {
      throw new Error('a private server needs mariadb-install-db and mariadbd (mariadb-server)');
    }
    const dir = await mkdtemp(join(tmpdir(), `rps-${opts.name ?? 'db'}-`));
    // mariadbd runs as `mysql` when we are root: it must reach the folder.
    await chmod(dir, 0o755);
    await run(install, [
      ...userArgs(),
      `--datadir=${join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    const s = new PrivateServer(
      dir,
      await freePort(),
      opts.args ?? [],
      opts.startTimeoutMs ?? 30_000,
    );
    await s.boot();
    return s;
  }

  /** `mysql://root@127.0.0.1:PORT`, without a schema. */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  /** The Unix socket the server listens on. */
  get socket(): string {
    return join(this.dir, 'data', 'sock');
  }

  get pid(): number | undefined {
    return this.child?.pid ?? undefined;
  }

  get errorLog(): string {
    return join(this.dir, 'data', 'error.log');
  }

  private async boot(): Promise<void> {
    const server = firstExisting(SERVER) as string;
    const data = join(this.dir, 'data');
    const child = spawn(
      server,
      [
        '--no-defaults',
        ...userArgs(),
        `--datadir=${data}`,
        `--port=${this.port}`,
        `--socket=${this.socket}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(data, 'pid')}`,
        `--log-error=${this.errorLog}`,
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=48M',
        '--skip-name-resolve',
        ...this.args,
      ],
      { stdio: 'ignore', detached: false },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(
          `private server on port ${this.port} exited at start: see ${this.errorLog}`,
        );
      }
      if (await this.answers()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`private server on port ${this.port} did not answer: see ${this.errorLog}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Whether the server answers a query now (1 s timeout). */
  async answers(): Promise<boolean> {
    try {
      const c = await connect(parseDbUrl(`${this.url}/mysql`, 'private server', {}), {
        noSchema: true,
        connectTimeoutMs: 1000,
      });
      await c.close();
      return true;
    } catch {
      return false;
    }
  }

  /** SIGSTOP: the server keeps its sockets open but answers nothing (a "paused" server). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after `pause`. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** kill -9: a crash. InnoDB recovers at the next start. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A clean shutdown (SIGTERM), waited for. */
  async shutdown(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Starts the server again on the same data and port (after `kill` or `shutdown`). */
  async restart(args?: readonly string[]): Promise<void> {
    await this.shutdown();
    if (args) this.args = args;
    await this.boot();
  }

  /** Ends the server and removes its folder. */
  async stop(): Promise<void> {
    await this.shutdown();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function userArgs(): string[] {
  return process.getuid?.() === 0 ? ['--user=mysql'] : [];
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
