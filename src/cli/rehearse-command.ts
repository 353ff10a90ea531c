import type { Command } from 'commander';
import { DEFAULT_LIMITS } from '../apply/batches.js';
import { ExitCode, UsageError } from '../errors.js';
import { rehearsePlan } from '../rehearse/rehearse-plan.js';
import { renderRehearseText } from '../rehearse/render-text.js';
import { rehearsalResult } from '../report/record-results.js';
import { writeRehearsal } from '../report/run-results.js';
import { rollbackCommand } from './finish-command.js';
import { stopOnSignals } from './interrupt.js';
import { LIVE_BATCH_ROWS, type LiveFlags, liveOptions, liveSettings } from './live-options.js';
import { lockWaitOption } from './options.js';
import { batchRowsOption, loadPlan, type PlanFlags, planOptions, print } from './plan-options.js';
import { createProgress } from './progress-bar.js';
import { recordRun } from './record-run.js';

interface RehearseFlags extends PlanFlags, LiveFlags {
  inPlace?: boolean;
  keep?: boolean;
  allowTriggers?: boolean;
  batchRows?: number;
  lockWait: number;
}

export function registerRehearse(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('rehearse')
    .description(
      'run the plan as apply would on a scratch copy of the target (or, with --in-place, on the target followed by a rollback), verify, and time the real window',
    )
    .option(
      '--in-place',
      'apply to the target itself, verify, then roll back to the before digests',
    )
    .option('--keep', 'keep the scratch schema afterwards')
    .option('--allow-triggers', 'rehearse even though triggers fire on the written tables');
  liveOptions(
    cmd,
    'rehearse the live apply (on a scratch copy): rows checked one by one, throttled; reports the strict window and the live run time',
  );
  planOptions(cmd, { backup: true });
  lockWaitOption(batchRowsOption(cmd, null)).action(async (flags: RehearseFlags) => {
    const live = liveSettings(flags);
    if (live && flags.inPlace) {
      throw new UsageError(
        '--live rehearses on a scratch copy: an in-place rehearsal must return a quiet target to its exact before digests',
      );
    }
    const opened = await loadPlan(flags);
    const startedAt = new Date();
    const signals = stopOnSignals();
    const report = await recordRun(
      flags.plan,
      opened.manifest.planId,
      'rehearse',
      () =>
        rehearsePlan({
          dir: flags.plan,
          manifest: opened.manifest,
          target: opened.endpoints.target,
          backup: opened.endpoints.backup,
          inPlace: flags.inPlace === true,
          keep: flags.keep === true,
          allowTriggers: flags.allowTriggers === true,
          limits: {
            ...DEFAULT_LIMITS,
            rows: flags.batchRows ?? (live ? LIVE_BATCH_ROWS : DEFAULT_LIMITS.rows),
          },
          live,
          logger: opened.logger,
          progress: createProgress('rows'),
          lockWaitSeconds: flags.lockWait,
          stop: signals.token,
          finishCommand: rollbackCommand(flags, opened.endpoints.target),
        }),
      (r) => (r.ok ? null : 'the rehearsal failed'),
    ).finally(() => signals.dispose());
    // Left in the plan folder for `reconcile report` (src/report/run-results.ts).
    await writeRehearsal(flags.plan, rehearsalResult(report, startedAt)).catch((e: unknown) =>
      // A read-only plan folder costs the report its rehearsal section, not this result.
      opened.logger.warn(
        { event: 'result.not-saved', err: e },
        'could not save the rehearsal result',
      ),
    );
    print(flags, report, renderRehearseText);
    setExit(report.ok ? ExitCode.ok : ExitCode.differences);
  });
}
