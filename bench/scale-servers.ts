/**
 * The two servers of `npm run bench:scale`: the interim (and target) server named by --url, and
 * a private MariaDB for the backup, started here with the interim server's InnoDB sizing so
 * that neither side gets a head start from a larger buffer pool.
 */
import { connect } from '../src/db/mysql.js';
import { type DbTarget, parseDbUrl } from '../src/db/url.js';
import { PrivateServer } from '../test/support/private-server.js';
import type { Cleanup } from './scale-cleanup.js';

export interface ServerFacts {
  readonly version: string;
  readonly bufferPoolBytes: number;
  readonly logFileBytes: number;
  readonly flushLogAtTrxCommit: number;
}

export async function serverFacts(server: DbTarget): Promise<ServerFacts> {
  const c = await connect(server, { noSchema: true });
  try {
    const [row] = await c.query<Record<string, string>>(
      `SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool,
              @@innodb_log_file_size AS log, @@innodb_flush_log_at_trx_commit AS flush`,
    );
    if (!row) throw new Error('the server answered no row to SELECT VERSION()');
    return {
      version: String(row.version),
      bufferPoolBytes: Number(row.pool),
      logFileBytes: Number(row.log),
      flushLogAtTrxCommit: Number(row.flush),
    };
  } finally {
    await c.close();
  }
}

/**
 * Starts the backup's server and registers its stop. When the interim's login has a password,
 * the private root gets the same one: the CLI's children then take MYSQL_PWD for both sides,
 * and no password is ever on a command line.
 */
export async function startBackupServer(
  like: ServerFacts,
  interim: DbTarget,
  cleanup: Cleanup,
): Promise<DbTarget> {
  if (!PrivateServer.available()) {
    throw new Error('bench:scale needs mariadbd and mariadb-install-db (Debian: mariadb-server)');
  }
  const ps = await PrivateServer.start({
    name: 'scale-bench',
    args: [
      `--innodb-buffer-pool-size=${like.bufferPoolBytes}`,
      `--innodb-log-file-size=${like.logFileBytes}`,
      `--innodb-flush-log-at-trx-commit=${like.flushLogAtTrxCommit}`,
    ],
    startTimeoutMs: 60_000,
  });
  cleanup.add('stop the private server', () => ps.stop());
  const root = parseDbUrl(`${ps.url}/mysql`, 'private server', {});
  if (interim.password) {
    const c = await connect(root, { noSchema: true });
    try {
      const users = await c.query<{ host: string }>(
        `SELECT Host AS host FROM mysql.user WHERE User = 'root'`,
      );
      for (const u of users) {
        await c.execute('ALTER USER ?@? IDENTIFIED BY ?', ['root', u.host, interim.password]);
      }
    } finally {
      await c.close();
    }
  }
  return parseDbUrl(`${ps.url}/mysql`, 'private server', { MYSQL_PWD: interim.password ?? '' });
}
