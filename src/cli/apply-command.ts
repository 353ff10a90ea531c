import type { Command } from 'commander';
import { applyPlan, DEFAULT_PARALLEL } from '../apply/apply-plan.js';
import { DEFAULT_LIMITS } from '../apply/batches.js';
import { renderApplyText } from '../apply/render-text.js';
import { ExitCode } from '../errors.js';
import { stopOnSignals } from './interrupt.js';
import { LIVE_BATCH_ROWS, type LiveFlags, liveOptions, liveSettings } from './live-options.js';
import { lockWaitOption, positiveInt } from './options.js';
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

interface ApplyFlags extends PlanFlags, LiveFlags {
  execute?: boolean;
  allowTriggers?: boolean;
  batchRows?: number;
  lockWait: number;
  parallel: number;
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
      '--parallel <n>',
      'tables a strict apply writes at once, each on its own connections, parents first (--live: always 1)',
      positiveInt(16),
      DEFAULT_PARALLEL,
    );
  liveOptions(
    cmd,
    'the target keeps serving: check each row a batch touches instead of the whole target, defer rows changed since the plan (conflicts.jsonl), throttle',
  );
  planOptions(cmd, { backup: true });
  lockWaitOption(batchRowsOption(cmd, null)).action(async (flags: ApplyFlags) => {
    const live = liveSettings(flags);
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
            live,
            backup: opened.endpoints.backup,
            progress: createProgress('rows'),
            lockWaitSeconds: flags.lockWait,
            parallel: flags.parallel,
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
