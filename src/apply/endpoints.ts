import { type ClientOptions, NO_CLIENT_OPTIONS, overlayOptions } from '../db/client-options.js';
import { type DbTarget, describeTarget, parseDbUrl, targetOptions } from '../db/url.js';
import { UsageError } from '../errors.js';
import type { PlanManifest, SourceInfo } from '../plan/format.js';

/**
 * Where a plan writes (target) and copies from (backup). The plan names both without secrets,
 * TLS settings included (its URLs carry them); the password comes from an option file or
 * MYSQL_PWD, or from a `--target` / `--backup` URL given to supply credentials or other TLS
 * settings: it must name the same host, port (or socket) and schema as the plan (the user may
 * differ), and what it leaves out is the plan's.
 */
export interface PlanEndpoints {
  readonly target: DbTarget;
  readonly backup: DbTarget;
}

export interface EndpointFlags {
  readonly target?: string | undefined;
  readonly backup?: string | undefined;
}

export function resolveEndpoints(
  manifest: PlanManifest,
  flags: EndpointFlags,
  env: NodeJS.ProcessEnv = process.env,
  files: ClientOptions = NO_CLIENT_OPTIONS,
): PlanEndpoints {
  const one = (source: SourceInfo, flag: string | undefined, what: 'target' | 'backup') =>
    resolveOne(source, flag, what, env, files);
  return {
    target: one(manifest.sources.target, flags.target, 'target'),
    backup: one(manifest.sources.backup, flags.backup, 'backup'),
  };
}

function resolveOne(
  source: SourceInfo,
  flag: string | undefined,
  what: 'target' | 'backup',
  env: NodeJS.ProcessEnv,
  files: ClientOptions,
): DbTarget {
  const planned = parseDbUrl(source.url, `plan.json sources.${what}.url`, env, files);
  if (flag === undefined) return planned;
  const flagName = `--${what}`;
  const given = parseDbUrl(flag, flagName, env, overlayOptions(files, targetOptions(planned)));
  const same =
    given.host.toLowerCase() === planned.host.toLowerCase() &&
    given.port === planned.port &&
    given.socket === planned.socket &&
    given.schema === planned.schema;
  if (!same) {
    throw new UsageError(
      `${flagName} ${describeTarget(given)} is not the plan's ${what} ${describeTarget(planned)}: it may only supply credentials and TLS settings (host, port and schema must match, and the socket when there is one)`,
    );
  }
  return given;
}
