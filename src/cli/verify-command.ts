import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { verificationResult } from '../report/record-results.js';
import { writeVerification } from '../report/run-results.js';
import { renderVerifyText } from '../verify/render-text.js';
import { verifyPlan } from '../verify/verify-plan.js';
import { loadPlan, type PlanFlags, planOptions, print, withPlanSession } from './plan-options.js';
import { recordRun } from './record-run.js';

export function registerVerify(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('verify')
    .description(
      'check that the target holds what the plan promised: its after digests, no orphaned references, no duplicated unique keys',
    );
  cmd.option(
    '--live',
    'the target kept serving: rows the plan wrote that the application changed since are listed, not failures; orphans, duplicated unique keys and AUTO_INCREMENT still fail',
  );
  planOptions(cmd, { backup: false }).action(async (flags: PlanFlags & { live?: boolean }) => {
    const opened = await loadPlan(flags);
    const checkedAt = new Date();
    const report = await recordRun(
      flags.plan,
      opened.manifest.planId,
      'verify',
      () => withPlanSession(flags, opened, (ps) => verifyPlan(ps, { live: flags.live === true })),
      (r) => (r.ok ? null : 'the target does not hold what the plan promised'),
    );
    // Left in the plan folder for `reconcile report` (src/report/run-results.ts).
    await writeVerification(flags.plan, verificationResult(report, checkedAt)).catch((e: unknown) =>
      // A read-only plan folder costs the report its verification section, not this result.
      opened.logger.warn(
        { event: 'result.not-saved', err: e },
        'could not save the verification result',
      ),
    );
    print(flags, report, renderVerifyText);
    setExit(report.ok ? ExitCode.ok : ExitCode.differences);
  });
}
