import type { Command } from 'commander';
import { renderRollbackText } from '../apply/render-text.js';
import { type RollbackReport, rollbackPlan } from '../apply/rollback-plan.js';
import { ExitCode } from '../errors.js';
import { stopOnSignals } from './interrupt.js';
import { lockWaitOption } from './options.js';
import { loadPlan, type PlanFlags, planOptions, print, withPlanSession } from './plan-options.js';
import { recordRun } from './record-run.js';

interface RollbackFlags extends PlanFlags {
  execute?: boolean;
  lockWait: number;
  live?: boolean;
}

/**
 * Why a rollback did not bring the target back, or null. Strict: the before digests and
 * counters. Live: rows kept because the application changed them (the digests and counters
 * also move with what the application wrote, which is not the rollback's to undo).
 */
function rollbackFailure(r: RollbackReport): string | null {
  if (r.live && r.mode === 'execute') {
    return r.keptCount > 0
      ? `${r.keptCount} row(s) the apply wrote were changed by the application since and are kept (rollback-kept.jsonl)`
      : null;
  }
  return r.beforeOk ? null : "the target is not back to the plan's before digests";
}

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('rollback')
    .description(
      'undo an applied or partly applied plan from its journal, newest batch first, then check the before digests; without --execute only print what would be done',
    )
    .option('--execute', 'write to the target (default: print what would be done)')
    .option(
      '--live',
      'the target kept serving since the apply: undo row by row what nobody changed since, keep and list the rest (rollback-kept.jsonl)',
    );
  lockWaitOption(planOptions(cmd, { backup: true })).action(async (flags: RollbackFlags) => {
    const opened = await loadPlan(flags);
    const signals = stopOnSignals();
    try {
      const run = () =>
        withPlanSession(flags, opened, (ps) =>
          rollbackPlan(ps, {
            execute: flags.execute === true,
            lockWaitSeconds: flags.lockWait,
            stop: signals.token,
            live: flags.live ? { backup: opened.endpoints.backup } : null,
          }),
        );
      // Only a rollback that writes changes what the target holds: only it is recorded.
      const report = flags.execute
        ? await recordRun(flags.plan, opened.manifest.planId, 'rollback', run, (r) =>
            rollbackFailure(r),
          )
        : await run();
      print(flags, report, renderRollbackText);
      const checked = report.mode === 'execute' || report.outcome === 'nothing-to-undo';
      setExit(checked && rollbackFailure(report) ? ExitCode.differences : ExitCode.ok);
    } finally {
      signals.dispose();
    }
  });
}
