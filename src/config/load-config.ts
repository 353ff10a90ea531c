import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { type ClientOptions, NO_CLIENT_OPTIONS } from '../db/client-options.js';
import { type DbTarget, parseDbUrl } from '../db/url.js';
import { errnoCode } from '../errno.js';
import { ConfigError, UserError } from '../errors.js';
import { type IncidentStart, parseIncidentStart } from './incident-time.js';
import { formatJsonPath, parseJsonPath, splitJsonReferenceKey } from './json-path.js';
import { formatIssues } from './problems.js';
import { configSchema, type RawConfig, type RawEndpoint, type RawTableConfig } from './schema.js';
import {
  type ConfigJsonReference,
  type ConfigReference,
  DEFAULTS,
  type PlanConfig,
  type TableConfig,
} from './types.js';

/** Flags of `reconcile plan` that may also come from the file; a flag wins. */
export interface PlanFlags {
  readonly backup?: string;
  readonly interim?: string;
  readonly target?: string;
  readonly out?: string;
}

/**
 * Reads, validates and merges the config: the file (YAML or JSON; JSON is YAML) when given,
 * then the flags over it. Every problem is collected, with its path, before anything connects;
 * one ConfigError (exit 2) reports them all. The result is deeply frozen. `files`: what option
 * files say, below what each URL says (src/db/url.ts).
 */
export async function loadPlanConfig(
  file: string | null,
  flags: PlanFlags,
  env: NodeJS.ProcessEnv = process.env,
  files: ClientOptions = NO_CLIENT_OPTIONS,
): Promise<PlanConfig> {
  let raw: unknown = {};
  if (file !== null) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError([`cannot read the config file (${errnoCode(e) ?? String(e)})`], file);
    }
    raw = parseConfigText(text, file);
  }
  return buildPlanConfig(raw, flags, file, env, files);
}

/** Parses YAML (or JSON) text; a syntax error is a ConfigError naming line and column. */
export function parseConfigText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => e.message.split('\n', 1)[0] ?? e.message),
      source,
    );
  }
  const v: unknown = doc.toJS();
  return v ?? {};
}

/** Validates an already parsed config object and merges the flags (pure, for tests). */
export function buildPlanConfig(
  raw: unknown,
  flags: PlanFlags,
  source: string | null,
  env: NodeJS.ProcessEnv = process.env,
  files: ClientOptions = NO_CLIENT_OPTIONS,
): PlanConfig {
  const where = source ?? 'flags';
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, raw), where);
  const c: RawConfig = parsed.data;
  const problems: string[] = [];

  const url = (flag: string | undefined, fromFile: RawEndpoint | undefined, path: string) => {
    const value = flag ?? (fromFile && endpointUrl(fromFile));
    if (value === undefined) {
      problems.push(`${path}: required (give --${path} or ${path}: in the config)`);
      return null;
    }
    return tryUrl(value, flag !== undefined ? `--${path}` : path, problems, env, files);
  };
  const backup = url(flags.backup, c.backup, 'backup');
  const interim = url(flags.interim, c.interim, 'interim');
  const targetRaw = flags.target ?? (c.target && endpointUrl(c.target)) ?? 'interim';
  const target =
    targetRaw === 'interim'
      ? null
      : tryUrl(targetRaw, flags.target !== undefined ? '--target' : 'target', problems, env, files);

  let incident = null;
  if (c.incident?.start !== undefined) {
    incident = parseIncidentStart(c.incident.start);
    if (incident === null) {
      problems.push(
        `incident.start: expected an ISO 8601 date-time with an offset, like "2020-02-23T19:00:00+08:00", got ${JSON.stringify(c.incident.start)}`,
      );
    }
  }

  const d = c.defaults ?? {};
  const defaults = {
    onMissingInInterim: d.onMissingInInterim ?? DEFAULTS.onMissingInInterim,
    onChanged: d.onChanged ?? DEFAULTS.onChanged,
    onUniqueConflict: d.onUniqueConflict ?? DEFAULTS.onUniqueConflict,
    remap: d.remap ?? DEFAULTS.remap,
    // Only when given: a config without it hashes as it always did.
    ...(d.remapHeadroom === undefined ? {} : { remapHeadroom: d.remapHeadroom }),
    createdAt: d.createdAt ?? null,
    updatedAt: d.updatedAt ?? null,
  };
  if (defaults.createdAt !== null && c.incident?.start === undefined) {
    problems.push('defaults.createdAt: needs incident.start (rows created after it collide)');
  }
  for (const policy of ['onChanged', 'onUniqueConflict'] as const) {
    if (defaults[policy] === 'newest' && defaults.updatedAt === null) {
      problems.push(
        `defaults.${policy}: newest needs defaults.updatedAt (the column that says which row is newer)`,
      );
    }
  }

  const tables: Record<string, TableConfig> = {};
  for (const [name, t] of Object.entries(c.tables ?? {})) {
    tables[name] = tableConfig(name, t, defaults, c.incident?.start !== undefined, problems);
  }

  if (problems.length > 0 || backup === null || interim === null)
    throw new ConfigError(problems, where); // a null URL is among the problems
  return deepFreeze({
    source,
    backup,
    interim,
    target,
    out: flags.out ?? c.out ?? null,
    incident,
    defaults,
    tables,
  });
}

function tableConfig(
  name: string,
  t: RawTableConfig,
  defaults: { updatedAt: string | null; onChanged: string; onUniqueConflict: string },
  hasIncident: boolean,
  problems: string[],
): TableConfig {
  const at = (key: string): string =>
    `tables.${/^[A-Za-z_]\w*$/.test(name) ? name : JSON.stringify(name)}.${key}`;
  let createdAfter: IncidentStart | null = null;
  if (t.createdAfter !== undefined) {
    createdAfter = parseIncidentStart(t.createdAfter);
    if (createdAfter === null)
      problems.push(
        `${at('createdAfter')}: expected an ISO 8601 date-time with an offset, like "2020-02-23T00:00:00+08:00", got ${JSON.stringify(t.createdAfter)}`,
      );
  }
  if (t.createdAt !== undefined && !hasIncident && t.createdAfter === undefined) {
    problems.push(`${at('createdAt')}: needs incident.start (rows created after it collide)`);
  }
  const updatedAt = t.updatedAt ?? defaults.updatedAt;
  for (const policy of ['onChanged', 'onUniqueConflict'] as const) {
    if (t[policy] === 'newest' && updatedAt === null) {
      problems.push(
        `${at(policy)}: newest needs updatedAt (the column that says which row is newer)`,
      );
    }
  }
  const { references, jsonReferences } = splitReferences(t.references ?? {}, at, problems);
  const naturalKey =
    t.naturalKey === undefined
      ? null
      : typeof t.naturalKey === 'string'
        ? [t.naturalKey]
        : t.naturalKey;
  return {
    onMissingInInterim: t.onMissingInInterim ?? null,
    onChanged: t.onChanged ?? null,
    onUniqueConflict: t.onUniqueConflict ?? null,
    remap: t.remap ?? null,
    ...(t.remapHeadroom === undefined ? {} : { remapHeadroom: t.remapHeadroom }),
    createdAt: t.createdAt ?? null,
    updatedAt: t.updatedAt ?? null,
    naturalKey,
    key: t.key === undefined ? null : typeof t.key === 'string' ? [t.key] : t.key,
    createdAfter,
    skip: t.skip ?? false,
    references,
    jsonReferences,
  };
}

/** `{ url, ssl-mode: … }` → the URL with those options in its query (given twice: an error). */
function endpointUrl(e: RawEndpoint): string {
  const { url, ...options } = e;
  const query = new URLSearchParams(
    Object.entries(options).filter((kv): kv is [string, string] => kv[1] !== undefined),
  ).toString();
  if (query === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/**
 * `references` keys are column names, or a column and a JSON path (`extra$.merchant_id`): the
 * two kinds are kept apart, each sorted, so code that follows column references never sees a
 * path.
 */
function splitReferences(
  raw: Readonly<Record<string, string>>,
  at: (key: string) => string,
  problems: string[],
): { references: ConfigReference[]; jsonReferences: ConfigJsonReference[] } {
  const references: ConfigReference[] = [];
  const jsonReferences: ConfigJsonReference[] = [];
  for (const [key, ref] of Object.entries(raw)) {
    const dot = ref.lastIndexOf('.');
    const parent = { table: ref.slice(0, dot), refColumn: ref.slice(dot + 1) };
    const split = splitJsonReferenceKey(key);
    if (split === null) {
      references.push({ column: key, ...parent });
      continue;
    }
    const where = `${at('references')}[${JSON.stringify(key)}]`;
    const steps = split.column === '' ? 'no column before the path' : parseJsonPath(split.path);
    if (typeof steps === 'string') {
      problems.push(
        `${where}: expected a column and a JSON path, like "extra$.merchant_id" or "extra$.buyer.id" (${steps}), got ${JSON.stringify(key)}`,
      );
      continue;
    }
    jsonReferences.push({ column: split.column, path: formatJsonPath(steps), steps, ...parent });
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  references.sort((a, b) => byName(a.column, b.column));
  jsonReferences.sort((a, b) => byName(a.column, b.column) || byName(a.path, b.path));
  return { references, jsonReferences };
}

function tryUrl(
  value: string,
  what: string,
  problems: string[],
  env: NodeJS.ProcessEnv,
  files: ClientOptions,
): DbTarget | null {
  try {
    return parseDbUrl(value, what, env, files);
  } catch (e) {
    if (e instanceof UserError) {
      problems.push(e.message);
      return null;
    }
    throw e;
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
