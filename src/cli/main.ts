#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { boundHeapGrowth } from '../heap-policy.js';
import { maskPasswords } from '../secrets.js';
import { registerApply } from './apply-command.js';
import { registerDiff } from './diff-command.js';
import { type ErrorDocument, exitCodeFor, usageDocument } from './exit.js';
import { registerInit } from './init-command.js';
import { registerPlan } from './plan-command.js';
import { registerRehearse } from './rehearse-command.js';
import { registerReport } from './report-command.js';
import { registerRollback } from './rollback-command.js';
import { registerVerify } from './verify-command.js';

/**
 * The command line. Each command parses its flags, validates them before anything connects,
 * and calls one orchestrator. Only this module exits the process.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('reconcile')
    .description(
      'Merge a restored MySQL/MariaDB backup with the interim database, and prove the result right.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .configureOutput({
      // Commander's own usage errors: one line (the hint included), exit 2.
      outputError: (str, write) =>
        write(
          `reconcile: ${maskPasswords(str.replace(/^error: /, '').trim())} (run with --help for usage)\n`,
        ),
    });
  registerInit(program, setExit);
  registerDiff(program, setExit);
  registerPlan(program, setExit);
  registerRehearse(program, setExit);
  registerApply(program, setExit);
  registerVerify(program, setExit);
  registerRollback(program, setExit);
  registerReport(program, setExit);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  // With --json a failure is a JSON document on stdout too (the line still goes to stderr).
  const json = wantsJson(argv)
    ? (doc: ErrorDocument) => process.stdout.write(`${JSON.stringify(doc)}\n`)
    : undefined;
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version succeed; help shown because no command was given (commander's
      // 'commander.help' with a non-zero exit code) is bad usage, like any other usage error.
      const asked = e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
      if (asked || (e.code === 'commander.help' && e.exitCode === 0)) return ExitCode.ok;
      json?.(usageDocument(e.message.replace(/^error: /, '')));
      return ExitCode.usage;
    }
    return exitCodeFor(e, (line) => process.stderr.write(`${line}\n`), json);
  }
}

/** `--json` among the options (before a `--` that ends them). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

boundHeapGrowth();
const code = await main(process.argv);
// Let stdout drain (a large --json document) before leaving.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
