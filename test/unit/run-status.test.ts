import { describe, expect, it } from 'vitest';
import type { RunEntry } from '../../src/report/run-log.js';
import { latestRuns } from '../../src/report/run-log.js';
import type { VerificationResult } from '../../src/report/run-results.js';
import {
  applyStatus,
  rehearsalOverride,
  verificationOverride,
} from '../../src/report/run-status.js';

const run = (command: RunEntry['command'], at: string, more: Partial<RunEntry> = {}): RunEntry => ({
  planId: 'p',
  command,
  at: `2026-12-01T${at}:00.000Z`,
  seconds: 2.5,
  outcome: 'ok',
  reason: null,
  message: null,
  ...more,
});
const verified = (at: string, ok = true) =>
  ({
    state: 'ok',
    value: {
      checkedAt: `2026-12-01T${at}:00.000Z`,
      ok,
      tables: [],
    } as unknown as VerificationResult,
  }) as const;

describe("the report's run states", () => {
  it('says applied, then rolled back, from the latest runs', () => {
    expect(applyStatus({}).text).toBe('apply: no run with --execute recorded');
    const applied = latestRuns([
      run('apply', '01:00', { outcome: 'failed', reason: 'lock-wait', message: 'x' }),
      run('apply', '01:10'),
    ]);
    expect(applyStatus(applied)).toMatchObject({ what: 'apply', tone: 'ok' });
    expect(applyStatus(applied).text).toBe('applied at 2026-12-01T01:10:00.000Z in 2.5 s');
    const back = latestRuns([run('apply', '01:10'), run('rollback', '01:20')]);
    expect(applyStatus(back)).toMatchObject({ what: 'rollback', tone: 'warn' });
    expect(applyStatus(back).text).toMatch(
      /^rolled back at 2026-12-01T01:20.* \(applied at 2026-12-01T01:10/,
    );
    // applied again after the rollback: applied
    const again = latestRuns([
      run('apply', '01:10'),
      run('rollback', '01:20'),
      run('apply', '01:30'),
    ]);
    expect(applyStatus(again).what).toBe('apply');
  });

  it('says how an apply that did not finish ended, and what to do', () => {
    const stopped = latestRuns([
      run('apply', '01:00', {
        outcome: 'interrupted',
        reason: 'interrupted',
        message: 'interrupted after batch 4 of 12',
      }),
    ]);
    expect(applyStatus(stopped)).toMatchObject({ tone: 'warn' });
    expect(applyStatus(stopped).text).toContain(
      'apply interrupted at 2026-12-01T01:00:00.000Z (interrupted: interrupted after batch 4 of 12): rerun apply --execute to resume',
    );
    const failed = latestRuns([
      run('apply', '01:00', { outcome: 'failed', reason: 'stale-plan', message: 'orders changed' }),
    ]);
    expect(applyStatus(failed)).toMatchObject({ tone: 'bad' });
    expect(applyStatus(failed).text).toMatch(/^apply FAILED at .*\(stale-plan: orders changed\)/);
  });

  it('no longer calls a target verified once it was rolled back or applied again', () => {
    const v = verified('01:15');
    expect(verificationOverride(v, latestRuns([run('apply', '01:10')]))).toBeNull();
    const rolled = verificationOverride(
      v,
      latestRuns([run('apply', '01:10'), run('rollback', '01:20')]),
    );
    expect(rolled).toMatchObject({ what: 'verification', tone: 'warn' });
    expect(rolled?.text).toBe(
      'verified at 2026-12-01T01:15:00.000Z, then rolled back at 2026-12-01T01:20:00.000Z: the verification no longer holds; run verify again',
    );
    const reapplied = verificationOverride(
      v,
      latestRuns([run('rollback', '01:20'), run('apply', '01:25')]),
    );
    expect(reapplied?.text).toContain('then applied again at 2026-12-01T01:25');
    // a failed verification stays failed: nothing to override
    expect(
      verificationOverride(verified('01:15', false), latestRuns([run('rollback', '01:20')])),
    ).toBeNull();
  });

  it('shows a rehearsal or verification that stopped on an error after the last result file', () => {
    const err = {
      outcome: 'failed',
      reason: 'unreachable',
      message: 'connection refused',
    } as const;
    const r = rehearsalOverride({ state: 'absent' }, latestRuns([run('rehearse', '02:00', err)]));
    expect(r).toMatchObject({ what: 'rehearsal', tone: 'bad' });
    expect(r?.text).toBe(
      'rehearsal FAILED at 2026-12-01T02:00:00.000Z (unreachable: connection refused)',
    );
    // a failed rehearsal that wrote its file (no error, reason null) is the file's to show
    expect(
      rehearsalOverride(
        { state: 'absent' },
        latestRuns([
          run('rehearse', '02:00', { outcome: 'failed', message: 'the rehearsal failed' }),
        ]),
      ),
    ).toBeNull();
    const v = verificationOverride(verified('01:15'), latestRuns([run('verify', '02:00', err)]));
    expect(v?.text).toMatch(/^verification could not finish at 2026-12-01T02:00/);
    expect(
      verificationOverride(verified('02:01'), latestRuns([run('verify', '02:00', err)])),
    ).toBeNull();
  });
});
