import type { Command } from 'commander';
import type { ClientOptions } from '../db/client-options.js';
import { readOptionFiles } from '../db/option-files.js';
import { DEFAULT_QUERY_TIMEOUT_SECONDS, setSessionLimits } from '../db/session-limits.js';
import { type DbTarget, describeLogin, withPassword } from '../db/url.js';
import type { Logger } from '../log.js';
import { openTerminal, type PromptIo, readSecret } from './ask-pass.js';
import { nonNegativeInt } from './options.js';

/** Flags every command that connects takes: where credentials come from besides the URL. */
export interface ConnectionFlags {
  defaultsFile?: string;
  defaultsExtraFile?: string;
  /** false with --no-defaults */
  defaults?: boolean;
  askPass?: boolean;
  /** seconds a statement may run (--query-timeout) */
  queryTimeout?: number;
}

export function connectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--defaults-file <file>',
      'read connection options ([client] and [reconcile] groups) from this option file only',
    )
    .option(
      '--defaults-extra-file <file>',
      'also read this option file, after /etc/mysql/my.cnf and before ~/.my.cnf',
    )
    .option('--no-defaults', 'read no option file')
    .option('--ask-pass', "ask for each server's password on the terminal (not echoed)")
    .option(
      '--query-timeout <seconds>',
      'longest a statement may run, or a server take to answer, before the command gives up (exit 3; 0: no limit; MariaDB max_statement_time, MySQL max_execution_time for reads)',
      nonNegativeInt(7 * 86_400),
      DEFAULT_QUERY_TIMEOUT_SECONDS,
    );
}

/**
 * What the option files say (before anything connects); warnings go to the log, values never.
 * Sets --query-timeout for every connection the command opens, also before anything connects.
 */
export async function readClientDefaults(
  flags: ConnectionFlags,
  logger: Logger,
): Promise<ClientOptions> {
  if (flags.queryTimeout !== undefined) {
    setSessionLimits({ queryTimeoutSeconds: flags.queryTimeout });
  }
  const files = await readOptionFiles({
    defaultsFile: flags.defaultsFile,
    extraFile: flags.defaultsExtraFile,
    noDefaults: flags.defaults === false,
  });
  for (const w of files.warnings) logger.warn({ event: 'option-files.warning' }, w);
  logger.debug({ event: 'option-files.read', files: files.read }, 'option files read');
  return files.options;
}

/**
 * Asks for the passwords still needed, once per login (user and server; two schemas on one
 * server share it): with --ask-pass for every target whose URL holds none, and for any target
 * whose option file says `password` with no value. Returns the targets with them.
 */
export async function askPasswords<K extends string>(
  targets: Readonly<Record<K, DbTarget>>,
  askPass: boolean,
  open: () => PromptIo = openTerminal,
): Promise<Record<K, DbTarget>> {
  const keys = Object.keys(targets) as K[];
  const needs = (t: DbTarget) => t.passwordFrom === 'ask' || (askPass && t.passwordFrom !== 'url');
  if (!keys.some((k) => needs(targets[k]))) return { ...targets };
  const io = open();
  const typed = new Map<string, string>();
  const out: Record<K, DbTarget> = { ...targets };
  try {
    for (const k of keys) {
      const t = targets[k];
      if (!needs(t)) continue;
      const login = describeLogin(t);
      let password = typed.get(login);
      if (password === undefined) {
        password = await readSecret(`Enter password for ${login}: `, io);
        typed.set(login, password);
      }
      out[k] = withPassword(t, password);
    }
  } finally {
    io.close();
  }
  return out;
}
