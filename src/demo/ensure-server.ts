import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../db/mysql.js';
import type { ServerInfo } from '../db/types.js';
import { describeTarget, parseDbUrl } from '../db/url.js';
import { ConnectionError } from '../errors.js';

/** The local server the quick start expects when MYSQL_URL is not set. */
export const DEFAULT_SERVER = 'mysql://root@127.0.0.1:3306';

/** `mysql://u@h:1/schema` → `mysql://u@h:1` (credentials kept: for connecting only) */
export function serverOf(url: string): string {
  return url.replace(/\/[^/@]*$/, '').replace(/\/$/, '');
}

/** The server as it may be printed: `mysql://user@host:port`, never a password. */
export function describeServer(url: string): string {
  try {
    return describeTarget(parseDbUrl(`${serverOf(url)}/mysql`, 'server')).replace(/\/mysql$/, '');
  } catch {
    return 'MYSQL_URL (not a mysql:// URL)';
  }
}

/** The server's version when it answers, null when it does not. */
export async function serverAnswers(url: string): Promise<ServerInfo | null> {
  try {
    const c = await connect(parseDbUrl(`${serverOf(url)}/mysql`, 'server'), {
      noSchema: true,
      connectTimeoutMs: 3000,
    });
    const info = c.server;
    await c.close();
    return info;
  } catch {
    return null;
  }
}

/**
 * Makes sure a server answers, as scripts/ensure-mysql.sh does (and by running it: it starts,
 * or on Debian as root installs, a local MariaDB). Returns the server URL, without a schema.
 */
export async function ensureServer(
  url: string,
  say: (line: string) => void,
): Promise<{ url: string; server: ServerInfo }> {
  const first = await serverAnswers(url);
  if (first) return { url: serverOf(url), server: first };
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/ensure-mysql.sh');
  if (!existsSync(script)) {
    throw new ConnectionError(`no server answers at ${describeServer(url)}; set MYSQL_URL`);
  }
  say(`no server answers at ${describeServer(url)}: starting one with scripts/ensure-mysql.sh`);
  const out = await new Promise<string>((done, fail) => {
    // The script's own progress goes to our stderr; its last stdout line is the URL.
    const child = spawn('bash', [script], {
      env: { ...process.env, MYSQL_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.on('error', (e) => fail(new ConnectionError(`could not run ${script}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? done(stdout)
        : fail(
            new ConnectionError(`scripts/ensure-mysql.sh could not start a server (exit ${code})`),
          ),
    );
  });
  const started = out.trim().split('\n').pop() ?? url;
  const info = await serverAnswers(started);
  if (!info)
    throw new ConnectionError(
      `scripts/ensure-mysql.sh ran, but ${describeServer(started)} does not answer`,
    );
  return { url: serverOf(started), server: info };
}
