import { access, rename, writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type IncidentStart, parseIncidentStart } from '../config/incident-time.js';
import { parseDbUrl } from '../db/url.js';
import { errnoCode } from '../errno.js';
import { ExitCode, UsageError } from '../errors.js';
import { FaultError, onUserPath } from '../faults.js';
import type { InitDocument } from '../init/proposal-types.js';
import { renderInitYaml } from '../init/render-yaml.js';
import { runInit } from '../init/run-init.js';
import { createLogger, type LogLevel } from '../log.js';
import {
  askPasswords,
  type ConnectionFlags,
  connectionOptions,
  readClientDefaults,
} from './connection-options.js';
import { logLevel, positiveInt, tableList } from './options.js';
import { createProgress } from './progress-bar.js';

interface InitFlags extends ConnectionFlags {
  backup: string;
  interim: string;
  out?: string;
  force?: boolean;
  incidentStart?: string;
  minInclusion: number;
  tables?: string[];
  json?: boolean;
  sampleRows: number;
  sampleValues: number;
  sampleDocuments: number;
  secondsPerTable: number;
  concurrency: number;
  logLevel: LogLevel;
}

/** `0.99`, `99%` or `99.5%` → a share in (0, 1]. */
function share(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(raw.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(v > 0 && v <= 1)) {
    throw new InvalidArgumentError(
      `expected a share from 0 to 1 (0.99) or a percentage (99%), got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}

export function registerInit(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('init')
    .description(
      'propose a starter config from the two schemas (references, creation times, collisions), with evidence',
    )
    .requiredOption(
      '--backup <url>',
      'restored backup: mysql://user[:password]@host:port/schema[?ssl-mode=MODE&ssl-ca=FILE]',
    )
    .requiredOption('--interim <url>', 'interim database: mysql://user[:password]@host:port/schema')
    .option('--out <file>', 'write the YAML config to FILE (default: stdout)')
    .option('--force', 'replace FILE when it exists')
    .option('--incident-start <iso>', 'when the data was lost, e.g. 2020-02-23T19:00:00+08:00')
    .option(
      '--min-inclusion <share>',
      "enable a reference when at least this share of its values is in the parent's key",
      share,
      0.99,
    )
    .option('--tables <list>', 'only propose for these tables (comma-separated)', tableList)
    .option('--json', 'print every proposal with its evidence as one JSON document on stdout')
    .option(
      '--sample-rows <n>',
      'rows read per table and measurement',
      positiveInt(100_000_000),
      100_000,
    )
    .option(
      '--sample-values <n>',
      'distinct values tested per candidate',
      positiveInt(10_000_000),
      10_000,
    )
    .option(
      '--sample-documents <n>',
      'JSON documents parsed per column for paths',
      positiveInt(100_000),
      200,
    )
    .option(
      '--seconds-per-table <n>',
      'time budget of each table, on the server',
      positiveInt(86_400),
      30,
    )
    .option('--concurrency <n>', 'tables measured at once', positiveInt(16), 2)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'info')
    .action((flags: InitFlags) => runInitCommand(flags, setExit));
  connectionOptions(cmd);
}

/** `init` with its flags parsed: proposes the config, then writes or prints it. */
async function runInitCommand(flags: InitFlags, setExit: (code: number) => void): Promise<void> {
  // Everything is validated before anything connects (or asks for a password).
  const logger = createLogger(flags.logLevel);
  const files = await readClientDefaults(flags, logger);
  const targets = {
    backup: parseDbUrl(flags.backup, '--backup', process.env, files),
    interim: parseDbUrl(flags.interim, '--interim', process.env, files),
  };
  const incident = incidentOf(flags.incidentStart);
  if (flags.out !== undefined && !flags.force && (await exists(flags.out))) {
    throw new UsageError(`--out: ${flags.out} exists (give --force to replace it)`);
  }
  const { backup, interim } = await askPasswords(targets, flags.askPass === true);
  const doc = await runInit({
    backup,
    interim,
    incident,
    tables: flags.tables ?? null,
    settings: {
      minInclusion: flags.minInclusion,
      sampleRows: flags.sampleRows,
      sampleValues: flags.sampleValues,
      sampleDocuments: flags.sampleDocuments,
      secondsPerTable: flags.secondsPerTable,
    },
    concurrency: flags.concurrency,
    logger,
    progress: createProgress('checks'),
  });
  const yaml = renderInitYaml(doc);
  if (flags.out !== undefined) await writeAtomically(flags.out, yaml);
  if (flags.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (flags.out !== undefined) process.stdout.write(summary(doc, flags.out));
  else process.stdout.write(yaml);
  setExit(ExitCode.ok);
}

function incidentOf(raw: string | undefined): IncidentStart | null {
  if (raw === undefined) return null;
  const parsed = parseIncidentStart(raw);
  if (parsed === null) {
    throw new UsageError(
      `--incident-start: expected an ISO 8601 date-time with an offset, like "2020-02-23T19:00:00+08:00", got ${JSON.stringify(raw)}`,
    );
  }
  return parsed;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * A reader of FILE never sees half a config. A fault of the environment (a full disk, a
 * read-only or missing folder) is exit 3 naming FILE; anything else, the flag's.
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    const fault = onUserPath(e, file);
    if (fault instanceof FaultError) throw fault;
    throw new UsageError(`--out: cannot write ${file} (${errnoCode(e) ?? String(e)})`, {
      cause: e,
    });
  }
}

function summary(doc: InitDocument, file: string): string {
  const t = doc.totals;
  return [
    `wrote ${file}: ${t.tables} tables`,
    `  references: ${t.referencesEnabled} enabled, ${t.referencesCommented} commented out, ${t.declaredReferences} declared by the schema`,
    `  references inside JSON: ${t.jsonReferencesEnabled} enabled, ${t.jsonReferencesCommented} commented out`,
    `  createdAt enabled on ${t.createdAtEnabled} tables; collisions seen in ${t.tablesWithCollisions}`,
    '',
  ].join('\n');
}
