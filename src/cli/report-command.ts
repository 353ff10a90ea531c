import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import { runReport } from '../report/run-report.js';
import { logLevel, nonNegativeInt } from './options.js';

interface ReportFlags {
  plan: string;
  html?: string;
  markdown?: string;
  samples: number;
  logLevel: LogLevel;
}

export function registerReport(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description(
      'render a plan folder (with its rehearsal and verification results) as HTML or Markdown',
    )
    .requiredOption('--plan <dir>', 'the plan folder written by reconcile plan')
    .option('--html <file>', 'write a self-contained HTML report to FILE')
    .option('--markdown <file>', 'write the Markdown report to FILE (default: print it on stdout)')
    .option('--samples <n>', 'conflicts and changed rows shown per table', nonNegativeInt(1000), 5)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', logLevel, 'warn')
    .action(async (flags: ReportFlags) => {
      const out = await runReport({
        planDir: flags.plan,
        html: flags.html ?? null,
        markdown: flags.markdown ?? null,
        samples: flags.samples,
        logger: createLogger(flags.logLevel),
      });
      if (out.written.length === 0) process.stdout.write(out.markdown);
      else for (const f of out.written) process.stdout.write(`report written: ${f}\n`);
      setExit(ExitCode.ok);
    });
}
