import { DEFAULT_QUERY_TIMEOUT_SECONDS } from '../db/session-limits.js';
import { type DbTarget, describeTarget } from '../db/url.js';
import { shellQuote } from '../shell-quote.js';
import type { PlanFlags } from './plan-options.js';

/**
 * The rollback that finishes what an in-place rehearsal left on `target`, with the connection
 * flags the rehearsal ran with, so that it works as printed: `--target` (its URL without the
 * password), the option files, `--no-defaults`, `--ask-pass`, a `--query-timeout` other than
 * the default. A password is never printed: when the `--target` URL held one, `--ask-pass`
 * asks for it.
 */
export function rollbackCommand(flags: PlanFlags, target: DbTarget): string {
  const args = ['reconcile', 'rollback', '--plan', flags.plan, '--execute'];
  if (flags.target !== undefined) args.push('--target', describeTarget(target));
  if (flags.defaultsFile !== undefined) args.push('--defaults-file', flags.defaultsFile);
  if (flags.defaultsExtraFile !== undefined) {
    args.push('--defaults-extra-file', flags.defaultsExtraFile);
  }
  if (flags.defaults === false) args.push('--no-defaults');
  if (flags.askPass === true || target.passwordFrom === 'url') args.push('--ask-pass');
  const timeout = flags.queryTimeout;
  if (timeout !== undefined && timeout !== DEFAULT_QUERY_TIMEOUT_SECONDS) {
    args.push('--query-timeout', String(timeout));
  }
  return args.map(shellQuote).join(' ');
}
