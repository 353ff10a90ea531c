import type { Command } from 'commander';
import { DEFAULT_LIMITS } from '../apply/batches.js';
import { type PlanEndpoints, resolveEndpoints } from '../apply/endpoints.js';
import { openPlanSession, type PlanSession } from '../apply/plan-session.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import type { PlanManifest } from '../plan/format.js';
import { loadVerifiedPlan } from '../plan/plan-files.js';
import {
  askPasswords,
  type ConnectionFlags,
  connectionOptions,
  readClientDefaults,
} from './connection-options.js';
import { logLevel, positiveInt } from './options.js';

/** Flags every command that reads a plan folder takes. */
export interface PlanFlags extends ConnectionFlags {
  plan: string;
  target?: string;
  backup?: string;
  json?: boolean;
  logLevel: LogLevel;
}

export function planOptions(cmd: Command, opts: { backup: boolean }): Command {
  cmd
    .requiredOption('--plan <dir>', 'the plan folder written by reconcile plan')
    .option(
      '--target <url>',
      "credentials or TLS settings for the plan's target: mysql://user:password@host:port/schema?ssl-mode=… (host, port and schema must be the plan's)",
    );
  if (opts.backup) {
    cmd.option(
      '--backup <url>',
      "credentials for the plan's backup (host, port and schema must be the plan's)",
    );
  }
  cmd
    .option('--json', 'print one JSON document on stdout')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'info');
  return connectionOptions(cmd);
}

/** `--batch-rows`; `fallback` null leaves it undefined when not given (the command decides). */
export function batchRowsOption(
  cmd: Command,
  fallback: number | null = DEFAULT_LIMITS.rows,
): Command {
  return fallback === null
    ? cmd.option(
        '--batch-rows <n>',
        `actions per batch (one transaction each; default ${DEFAULT_LIMITS.rows}, 500 with --live)`,
        positiveInt(100_000),
      )
    : cmd.option(
        '--batch-rows <n>',
        'actions per batch (one transaction each)',
        positiveInt(100_000),
        fallback,
      );
}

export interface OpenedPlan {
  readonly manifest: PlanManifest;
  readonly endpoints: PlanEndpoints;
  readonly logger: Logger;
}

/**
 * Loads and checks the plan folder (an edited or truncated plan is refused here, exit 3) and
 * resolves where it writes, with the TLS settings the plan recorded: all before anything
 * connects. Only the target is connected to (the backup is read through the target's
 * session), so only its password is asked for.
 */
export async function loadPlan(flags: PlanFlags): Promise<OpenedPlan> {
  const manifest = await loadVerifiedPlan(flags.plan);
  const logger = createLogger(flags.logLevel);
  const files = await readClientDefaults(flags, logger);
  const flagged = { target: flags.target, backup: flags.backup };
  const resolved = resolveEndpoints(manifest, flagged, process.env, files);
  const { target } = await askPasswords({ target: resolved.target }, flags.askPass === true);
  return { manifest, endpoints: { ...resolved, target }, logger };
}

/** Opens the plan against its target, runs `fn`, and always closes the connection. */
export async function withPlanSession<T>(
  flags: PlanFlags,
  opened: OpenedPlan,
  fn: (ps: PlanSession) => Promise<T>,
): Promise<T> {
  const t = opened.endpoints.target;
  const ps = await openPlanSession(flags.plan, opened.manifest, t, t.schema, opened.logger);
  try {
    return await fn(ps);
  } finally {
    await ps.conn.close();
  }
}

export function print<T>(flags: PlanFlags, doc: T, text: (d: T) => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(doc, null, 2)}\n` : text(doc));
}
