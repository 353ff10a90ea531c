import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from '../../src/db/mysql.js';
import { parseDbUrl } from '../../src/db/url.js';

/**
 * Finds a real server for the integration tests, in this order: MYSQL_URL; the local default
 * when it answers; a MySQL 8 container when a Docker engine answers; scripts/ensure-mysql.sh
 * (which starts, or installs, a local MariaDB). Otherwise one clear error.
 * Returns a server URL without a schema, e.g. mysql://root@127.0.0.1:3306.
 */
export async function findServer(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (process.env.MYSQL_URL) return { url: stripSchema(process.env.MYSQL_URL) };
  const local = 'mysql://root@127.0.0.1:3306';
  if (await answers(local)) return { url: local };
  const container = await tryContainer();
  if (container) return container;
  if (existsSync('scripts/ensure-mysql.sh')) {
    try {
      const out = execFileSync('bash', ['scripts/ensure-mysql.sh'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const url = out.trim().split('\n').pop() ?? '';
      if (url && (await answers(url))) return { url: stripSchema(url) };
    } catch {
      // fall through to the error below
    }
  }
  throw new Error(
    'integration tests need a MySQL/MariaDB server: set MYSQL_URL=mysql://user:pass@host:port, ' +
      'run scripts/ensure-mysql.sh (starts a local MariaDB), or start a Docker engine ' +
      '(a MySQL 8 container is then used)',
  );
}

function stripSchema(url: string): string {
  return url.replace(/\/[^/@]*$/, '').replace(/\/$/, '');
}

async function answers(url: string): Promise<boolean> {
  try {
    const c = await connect(parseDbUrl(`${stripSchema(url)}/mysql`, 'server'), {
      noSchema: true,
      connectTimeoutMs: 2000,
    });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

async function tryContainer(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return null; // no Docker engine answers
  }
  const { MySqlContainer } = await import('@testcontainers/mysql');
  const c = await new MySqlContainer('mysql:8.0').withRootPassword('test').start();
  return {
    url: `mysql://root:test@${c.getHost()}:${c.getPort()}`,
    stop: async () => {
      await c.stop();
    },
  };
}
