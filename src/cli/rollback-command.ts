import type { Command } from 'commander';
import { renderRollbackText } from '../apply/render-text.js';
import { rollbackPlan } from '../apply/rollback-plan.js';
import { ExitCode } from '../errors.js';
import { stopOnSignals } from './interrupt.js';
import { lockWaitOption } from './options.js';
import { loadPlan, type PlanFlags, planOptions, print, withPlanSession } from './plan-options.js';
import { recordRun } from './record-run.js';

interface RollbackFlags extends PlanFlags {
  execute?: boolean;
  lockWait: number;
}

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('rollback')
    .description(
      'undo an applied or partly applied plan from its journal, newest batch first, then check the before digests; without --execute only print what would be done',
    )
    .option('--execute', 'write to the target (default: print what would be done)');
  lockWaitOption(planOptions(cmd, { backup: false })).action(async (flags: RollbackFlags) => {
    const opened = await loadPlan(flags);
    const signals = stopOnSignals();
    try {
      const run = () =>
        withPlanSession(flags, opened, (ps) =>
          rollbackPlan(ps, {
            execute: flags.execute === true,
            lockWaitSeconds: flags.lockWait,
            stop: signals.token,
          }),
        );
      // Only a rollback that writes changes what the target holds: only it is recorded.
      const report = flags.execute
        ? await recordRun(flags.plan, opened.manifest.planId, 'rollback', run, (r) =>
            r.beforeOk ? null : "the target is not back to the plan's before digests",
          )
        : await run();
      print(flags, report, renderRollbackText);
      const checked = report.mode === 'execute' || report.outcome === 'nothing-to-undo';
      setExit(checked && !report.beforeOk ? ExitCode.differences : ExitCode.ok);
    } finally {
      signals.dispose();
    }
  });
}
