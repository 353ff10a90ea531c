import { type Command, InvalidArgumentError } from 'commander';
import { applyPlan } from '../apply/apply-plan.js';
import { DEFAULT_LIMITS } from '../apply/batches.js';
import { renderApplyText } from '../apply/render-text.js';
import { type MaxLoad, parseMaxLoad } from '../apply/throttle.js';
import { ExitCode, UsageError } from '../errors.js';
import { stopOnSignals } from './interrupt.js';
import { lockWaitOption, positiveNumber } from './options.js';
import {
  batchRowsOption,
  loadPlan,
  type PlanFlags,
  planOptions,
  print,
  withPlanSession,
} from './plan-options.js';
import { createProgress } from './progress-bar.js';
import { recordRun } from './record-run.js';

interface ApplyFlags extends PlanFlags {
  execute?: boolean;
  allowTriggers?: boolean;
  batchRows?: number;
  lockWait: number;
  live?: boolean;
  maxLoad?: MaxLoad;
  pauseFile?: string;
  batchSeconds: number;
}

/** A live run's batches start smaller: short transactions hold the application's rows briefly. */
const LIVE_BATCH_ROWS = 500;

function parseMaxLoadOption(raw: string): MaxLoad {
  try {
    return parseMaxLoad(raw);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

export function registerApply(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('apply')
    .description(
      'apply a plan to its target in journaled batches (resumable, reversible); without --execute only print what would be done',
    )
    .option('--execute', 'write to the target (default: print what would be done)')
    .option('--allow-triggers', 'apply even though triggers fire on the written tables')
    .option(
      '--live',
      'the target keeps serving: check each row a batch touches instead of the whole target, defer rows changed since the plan (conflicts.jsonl), throttle',
    )
    .option(
      '--max-load <status=n,...>',
      'with --live: pause while a global status variable is over its value, e.g. Threads_running=25',
      parseMaxLoadOption,
    )
    .option(
      '--pause-file <file>',
      'with --live: pause while this file exists (touch it to pause, remove it to go on)',
    )
    .option(
      '--batch-seconds <s>',
      'with --live: the time a batch should take; batches are resized towards it',
      positiveNumber,
      0.5,
    );
  planOptions(cmd, { backup: true });
  lockWaitOption(batchRowsOption(cmd, null)).action(async (flags: ApplyFlags) => {
    if (!flags.live && (flags.maxLoad || flags.pauseFile)) {
      throw new UsageError('--max-load and --pause-file throttle a live run: add --live');
    }
    const opened = await loadPlan(flags);
    const signals = stopOnSignals();
    try {
      const run = () =>
        withPlanSession(flags, opened, (ps) =>
          applyPlan(ps, {
            execute: flags.execute === true,
            allowTriggers: flags.allowTriggers === true,
            limits: {
              ...DEFAULT_LIMITS,
              rows: flags.batchRows ?? (flags.live ? LIVE_BATCH_ROWS : DEFAULT_LIMITS.rows),
            },
            live: flags.live
              ? {
                  maxLoad: flags.maxLoad ?? new Map(),
                  pauseFile: flags.pauseFile ?? null,
                  batchSeconds: flags.batchSeconds,
                }
              : null,
            backup: opened.endpoints.backup,
            progress: createProgress('rows'),
            lockWaitSeconds: flags.lockWait,
            stop: signals.token,
            planDir: flags.plan,
          }),
        );
      const report = flags.execute
        ? await recordRun(flags.plan, opened.manifest.planId, 'apply', run)
        : await run();
      print(flags, report, renderApplyText);
      setExit(ExitCode.ok);
    } finally {
      signals.dispose();
    }
  });
}
