import { type DbTarget, describeTarget, parseDbUrl } from '../db/url.js';
import { UsageError } from '../errors.js';
import type { PlanManifest, SourceInfo } from '../plan/format.js';

/**
 * Where a plan writes (target) and copies from (backup). The plan names both without secrets;
 * the password comes from MYSQL_PWD, or from a `--target` / `--backup` URL given only to supply
 * credentials: it must name the same host, port and schema as the plan (the user may differ).
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
): PlanEndpoints {
  return {
    target: resolveOne(manifest.sources.target, flags.target, '--target', 'target', env),
    backup: resolveOne(manifest.sources.backup, flags.backup, '--backup', 'backup', env),
  };
}

function resolveOne(
  source: SourceInfo,
  flag: string | undefined,
  flagName: string,
  what: string,
  env: NodeJS.ProcessEnv,
): DbTarget {
  const planned = parseDbUrl(source.url, `plan.json sources.${what}.url`, env);
  if (flag === undefined) return planned;
  const given = parseDbUrl(flag, flagName, env);
  const same =
    given.host.toLowerCase() === planned.host.toLowerCase() &&
    given.port === planned.port &&
    given.schema === planned.schema;
  if (!same) {
    throw new UsageError(
      `${flagName} ${describeTarget(given)} is not the plan's ${what} ${describeTarget(planned)}: it may only supply credentials (host, port and schema must match)`,
    );
  }
  return given;
}
