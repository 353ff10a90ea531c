import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * A scenario folder (see README.md next to this file): the two sides as SQL scripts, the
 * config, and what the plan must decide and the target must end with.
 */
export interface Scenario {
  readonly name: string;
  readonly dir: string;
  readonly backupSql: string;
  readonly interimSql: string;
  /** config.yaml's text (without backup/interim URLs: the runner gives them as flags) */
  readonly configText: string;
  readonly expected: Expected;
}

export interface ExpectedTable {
  readonly counts?: Record<string, number>;
  readonly actions?: Record<string, number>;
  /** AUTO_INCREMENT the plan raises the table to */
  readonly autoIncrement?: string | null;
  /** the columns `rows` lists, in this order; rows are compared in key order */
  readonly columns?: readonly string[];
  readonly rows?: readonly (readonly (string | null)[])[];
  /** reasons of the table's unresolved actions, in file order (substrings) */
  readonly unresolved?: readonly string[];
  /** substrings of the table's notes, in order */
  readonly notes?: readonly string[];
  /** substrings of the table's warnings, in order */
  readonly warnings?: readonly string[];
}

export interface Expected {
  readonly unresolved?: number;
  readonly order?: readonly string[];
  readonly remaps?: readonly Record<string, unknown>[];
  readonly needsAllowTriggers?: boolean;
  /** tables the plan must leave out */
  readonly skipped?: readonly string[];
  readonly tables: Readonly<Record<string, ExpectedTable>>;
}

export const SCENARIOS_DIR = resolve('test/scenarios');

export async function loadScenario(dir: string): Promise<Scenario> {
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  return {
    name: dir.split('/').pop() as string,
    dir,
    backupSql: await read('backup.sql'),
    interimSql: await read('interim.sql'),
    configText: await read('config.yaml'),
    expected: JSON.parse(await read('expected.json')) as Expected,
  };
}

/** Every scenario folder, by name. */
export async function listScenarios(root = SCENARIOS_DIR): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(root)).sort()) {
    const dir = join(root, name);
    if ((await stat(dir)).isDirectory()) out.push(dir);
  }
  return out;
}
