import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/types.js';
import { runCli } from '../support/cli.js';
import { PrivateServer } from '../support/private-server.js';
import {
  AFTER_MERGE,
  adminOf,
  customers,
  loadPair,
  planFilesText,
  roundTrip,
} from './round-trip.js';

/**
 * On the database host, as a DBA works there: credentials only in an option file of mode
 * 0600, the connection through the server's Unix socket, and the password typed at a prompt.
 * The accounts exist for `localhost` only, which a TCP connection (to 127.0.0.1, with
 * --skip-name-resolve) never matches: a command that succeeds went through the socket.
 */
const BACKUP = 'cnf_backup';
const INTERIM = 'cnf_interim';
const tag = randomBytes(3).toString('hex');
const PASSWORD = `Cnf-${randomBytes(6).toString('hex')}`;
const USER = `rt_dba_${tag}`;
const ASKER = `rt_ask_${tag}`;
const ASKED = `Ask-${randomBytes(6).toString('hex')}`;

describe.skipIf(!PrivateServer.available())('option files, sockets and --ask-pass', () => {
  let server: PrivateServer;
  let admin: Connection;
  let dir: string;
  let cnf: string;

  beforeAll(async () => {
    server = await PrivateServer.start({ name: 'cnf' });
    admin = await adminOf(server);
    await loadPair(admin, BACKUP, INTERIM);
    for (const [u, pw] of [
      [USER, PASSWORD],
      [ASKER, ASKED],
    ] as const) {
      await admin.execute(`CREATE USER '${u}'@'localhost' IDENTIFIED BY '${pw}'`);
      for (const s of [BACKUP, INTERIM])
        await admin.execute(`GRANT ALL ON ${s}.* TO '${u}'@'localhost'`);
    }
    dir = await mkdtemp(join(tmpdir(), 'reconcile-cnf-'));
    cnf = join(dir, 'dba.cnf');
    await writeFile(
      cnf,
      `[client]\nuser = ${USER}\npassword = "${PASSWORD}"\nsocket = ${server.socket}\n`,
    );
    await chmod(cnf, 0o600);
  });
  afterAll(async () => {
    if (admin) {
      for (const s of [BACKUP, INTERIM]) await admin.execute(`DROP DATABASE IF EXISTS ${s}`);
      await admin.close();
    }
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs diff → plan → apply → verify with credentials only in a --defaults-file, through the socket', async () => {
    expect((await stat(cnf)).mode & 0o777).toBe(0o600);
    const r = await roundTrip(
      { backup: `mysql:///${BACKUP}`, interim: `mysql:///${INTERIM}` },
      ['--defaults-file', cnf],
      dir,
    );
    expect(r.manifest.sources.target.url).toBe(
      `mysql://${USER}@localhost/${INTERIM}?socket=${server.socket}`,
    );
    expect(r.manifest.sources.target.sslMode).toBe('PREFERRED');
    expect(await customers(admin, INTERIM)).toEqual(AFTER_MERGE);
    // The password is nowhere: not in what the commands printed, the plan, or the journal.
    expect(r.output).not.toContain(PASSWORD);
    expect(await planFilesText(r.planDir)).not.toContain(PASSWORD);
    const journal = await admin.rawRows(`SELECT * FROM ${INTERIM}._reconcile_journal`);
    expect(journal.length).toBeGreaterThan(0);
    expect(JSON.stringify(journal.map((row) => row.map((v) => v?.toString())))).not.toContain(
      PASSWORD,
    );
  });

  it('the same account over TCP is refused, saying where the password came from', async () => {
    const tcp = `mysql://${USER}@127.0.0.1:${server.port}/${BACKUP}`;
    const r = await runCli(['diff', '--backup', tcp, '--interim', tcp, '--defaults-file', cnf]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('Access denied');
    expect(r.stderr).toContain('the password came from an option file');
    expect(r.stderr).not.toContain(PASSWORD);
  });

  it('bad input gets one line: an unreadable option file (exit 2), a socket that does not exist (exit 3)', async () => {
    const u = `mysql:///${BACKUP}`;
    const noFile = await runCli([
      'diff',
      '--backup',
      u,
      '--interim',
      u,
      '--defaults-file',
      join(dir, 'none.cnf'),
    ]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.trim()).toBe(
      `reconcile: cannot read option file ${join(dir, 'none.cnf')} (ENOENT)`,
    );
    const sock = join(dir, 'no', 'mysqld.sock');
    const noSock = `mysql://${USER}@localhost/${BACKUP}?socket=${sock}`;
    const r = await runCli(['diff', '--backup', noSock, '--interim', noSock, '--no-defaults']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(
      `reconcile: mysql://${USER}@localhost/${BACKUP}?socket=${sock}: the socket ${sock} does not exist (is the server on this host? SELECT @@socket names its socket)`,
    );
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    '--ask-pass asks once per login on the terminal, and the terminal shows nothing typed',
    async () => {
      const url = (s: string) => `mysql://${ASKER}@localhost/${s}?socket=${server.socket}`;
      // The backup against itself: the same answer whichever test ran first.
      const args = ['diff', '--backup', url(BACKUP), '--interim', url(BACKUP), '--ask-pass'];
      const r = await onTerminal([...args, '--no-defaults', '--json'], ASKED);
      expect(r.code, r.output).toBe(0);
      expect(r.prompts).toBe(1);
      expect(r.output).toContain(
        `Enter password for ${ASKER}@localhost (socket ${server.socket}): `,
      );
      expect(r.output).toContain('"identical": 3');
      expect(r.output).not.toContain(ASKED);
      // A wrong password is one line, exit 3, and is not shown either.
      const wrong = await onTerminal([...args, '--no-defaults'], 'not-it-xyzzy');
      expect(wrong.code).toBe(3);
      expect(wrong.output).toContain('the password was typed at the prompt');
      expect(wrong.output).not.toContain('not-it-xyzzy');
    },
  );
});

/**
 * Runs the CLI on a pseudo-terminal (`script`), with ECHO on as a terminal starts, and types
 * `password` when the prompt appears. Returns everything the terminal showed.
 */
function onTerminal(
  args: readonly string[],
  password: string,
): Promise<{ code: number | null; output: string; prompts: number }> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, resolve('dist/cli/main.js'), ...args].map(quote).join(' ');
  return new Promise((done, fail) => {
    const child = spawn('script', ['-q', '-e', '-E', 'always', '-c', command, '/dev/null'], {
      env: { ...process.env, MYSQL_PWD: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let prompts = 0;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString('utf8');
      const seen = output.split('Enter password for ').length - 1;
      // Type only once the prompt is up: earlier, the terminal would still echo.
      while (prompts < seen) {
        prompts++;
        child.stdin.write(`${password}\r`);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output, prompts });
    });
  });
}
