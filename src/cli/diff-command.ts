import type { Command } from 'commander';
import { parseDbUrl } from '../db/url.js';
import type { DiffMethod } from '../diff/engine.js';
import { renderDiffText } from '../diff/render-text.js';
import { runDiff } from '../diff/run-diff.js';
import { ExitCode } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import {
  askPasswords,
  type ConnectionFlags,
  connectionOptions,
  readClientDefaults,
} from './connection-options.js';
import {
  DEFAULT_CONCURRENCY,
  logLevel,
  nonNegativeInt,
  oneOf,
  positiveInt,
  tableList,
} from './options.js';
import { createProgress } from './progress-bar.js';

interface DiffFlags extends ConnectionFlags {
  backup: string;
  interim: string;
  tables?: string[];
  json?: boolean;
  out?: string;
  concurrency: number;
  method: DiffMethod;
  sample: number;
  resume: boolean;
  chunkRows?: number;
  logLevel: LogLevel;
}

export function registerDiff(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('diff')
    .description('compare the backup schema with the interim schema, table by table, row by row')
    .requiredOption(
      '--backup <url>',
      'restored backup: mysql://user[:password]@host:port/schema[?ssl-mode=MODE&ssl-ca=FILE]',
    )
    .requiredOption('--interim <url>', 'interim database: mysql://user[:password]@host:port/schema')
    .option('--tables <list>', 'only these tables (comma-separated)', tableList)
    .option('--json', 'print one JSON document on stdout')
    .option(
      '--out <dir>',
      'write every differing key, per table, as JSON lines into DIR (resumable after a kill)',
    )
    .option('--no-resume', 'with --out: start over instead of going on from a checkpoint in DIR')
    .option('--concurrency <n>', 'chunks compared at once', positiveInt(64), DEFAULT_CONCURRENCY)
    .option(
      '--method <method>',
      'auto (server checksum pre-pass where it applies) | client | checksum',
      oneOf<DiffMethod>(['auto', 'client', 'checksum']),
      'auto',
    )
    .option('--sample <n>', 'keys listed per table and class', nonNegativeInt(100_000), 20)
    .option('--chunk-rows <n>', 'fixed rows per diff chunk (tuning)', positiveInt(10_000_000))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'info')
    .action(async (flags: DiffFlags) => {
      // Everything is validated before anything connects.
      const logger = createLogger(flags.logLevel);
      const files = await readClientDefaults(flags, logger);
      const { backup, interim } = await askPasswords(
        {
          backup: parseDbUrl(flags.backup, '--backup', process.env, files),
          interim: parseDbUrl(flags.interim, '--interim', process.env, files),
        },
        flags.askPass === true,
      );
      const doc = await runDiff({
        backup,
        interim,
        tables: flags.tables ?? null,
        concurrency: flags.concurrency,
        method: flags.method,
        sampleLimit: flags.sample,
        outDir: flags.out ?? null,
        resume: flags.resume,
        chunkRows: flags.chunkRows,
        logger,
        progress: createProgress('rows'),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(doc, null, 2)}\n` : renderDiffText(doc));
      setExit(doc.totals.tablesWithDifferences > 0 ? ExitCode.differences : ExitCode.ok);
    });
  connectionOptions(cmd);
}
