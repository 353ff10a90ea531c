/**
 * What the tool is measured against, side by side in the same run: a `mariadb-dump --where … |
 * mariadb` of the restored rows from the backup's server, a plain `INSERT … SELECT` of them on
 * the same server, and `CHECKSUM TABLE` of the target's tables (the server's own full scan).
 */
import { spawn } from 'node:child_process';
import { connect } from '../src/db/mysql.js';
import { quoteId, quoteTable } from '../src/db/quote.js';
import type { DbTarget } from '../src/db/url.js';
import { checksumFloor } from './measure.js';
import { childEnv, round } from './scale-cli.js';
import { COLUMNS, type IncidentShape, restoredRows, TABLES } from './scale-incident.js';

/** The client programs' connection flags; option files are not read (`--no-defaults`). */
function clientArgs(t: DbTarget): string[] {
  return [
    '--no-defaults',
    '--protocol=TCP',
    `--host=${t.host}`,
    `--port=${t.port}`,
    `--user=${t.user}`,
  ];
}

function waitExit(name: string, child: ReturnType<typeof spawn>, err: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`${name} exited ${code}: ${Buffer.concat(err).toString().slice(-1000)}`),
          ),
    );
  });
}

/** One table through `mariadb-dump --where PRED … | mariadb`, both ends as shipped. */
async function dumpTable(
  from: DbTarget,
  to: DbTarget,
  table: string,
  where: string,
): Promise<void> {
  const dump = spawn(
    'mariadb-dump',
    [
      ...clientArgs(from),
      '--single-transaction',
      '--no-create-info',
      '--skip-triggers',
      // The 1% of colliding ids are held by the interim's sign-ups: the dump skips those.
      '--insert-ignore',
      `--where=${where}`,
      from.schema,
      table,
    ],
    { env: childEnv(from.password), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const load = spawn('mariadb', [...clientArgs(to), `--database=${to.schema}`], {
    env: childEnv(to.password),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  if (!dump.stdout || !load.stdin) throw new Error('mariadb-dump | mariadb: no pipe');
  dump.stdout.pipe(load.stdin);
  await Promise.all([waitExit('mariadb-dump', dump, []), waitExit('mariadb', load, [])]);
}

/** Seconds to copy the restored rows of every table, parents first, as the plan restores them. */
export async function dumpPipe(
  backup: DbTarget,
  target: DbTarget,
  shape: IncidentShape,
): Promise<{ seconds: number; perTable: Record<string, number> }> {
  const perTable: Record<string, number> = {};
  const t0 = performance.now();
  for (const t of TABLES) {
    const t1 = performance.now();
    await dumpTable(backup, target, t, restoredRows(shape, t));
    perTable[t] = round((performance.now() - t1) / 1000);
  }
  return { seconds: (performance.now() - t0) / 1000, perTable };
}

/**
 * Seconds of a plain `INSERT IGNORE … SELECT` of the restored rows, one statement per table,
 * with foreign key checks off as apply and a dump's script run (IGNORE: as the dump above).
 */
export async function insertSelect(
  backup: DbTarget,
  target: DbTarget,
  shape: IncidentShape,
): Promise<{ seconds: number; perTable: Record<string, number> }> {
  const c = await connect(target);
  try {
    await c.execute('SET SESSION FOREIGN_KEY_CHECKS = 0');
    const perTable: Record<string, number> = {};
    const t0 = performance.now();
    for (const t of TABLES) {
      const cols = COLUMNS[t].map(quoteId).join(', ');
      const t1 = performance.now();
      await c.execute(
        `INSERT IGNORE INTO ${quoteId(t)} (${cols}) SELECT ${cols} FROM ${quoteTable(backup.schema, t)} WHERE ${restoredRows(shape, t)}`,
      );
      perTable[t] = round((performance.now() - t1) / 1000);
    }
    return { seconds: (performance.now() - t0) / 1000, perTable };
  } finally {
    await c.close();
  }
}

/** CHECKSUM TABLE of the schema's tables, each on a connection of its own, all at once. */
export function checksumTables(target: DbTarget): Promise<number> {
  return checksumFloor(
    target,
    TABLES.map((table) => ({ schema: target.schema, table })),
  );
}
