import { describe, expect, it } from 'vitest';
import { rollbackCommand } from '../../src/cli/finish-command.js';
import type { PlanFlags } from '../../src/cli/plan-options.js';
import { parseDbUrl } from '../../src/db/url.js';

/** The rollback an in-place rehearsal prints when it could not finish its own. */
describe('the command that finishes a rehearsal rollback', () => {
  const flags = (more: Partial<PlanFlags>): PlanFlags => ({
    plan: '/plans/p1',
    logLevel: 'info',
    ...more,
  });
  const planned = parseDbUrl('mysql://root@db-prod:3306/shop', 'plan', {});

  it('without connection flags: the plan and --execute', () => {
    expect(rollbackCommand(flags({}), planned)).toBe(
      'reconcile rollback --plan /plans/p1 --execute',
    );
  });

  it('with the connection flags the rehearsal ran with, quoted for a shell', () => {
    const target = parseDbUrl(
      'mysql://dba@db-prod:3306/shop?ssl-mode=VERIFY_CA&ssl-ca=/etc/ssl/ca.pem',
      '--target',
      {},
    );
    const f = flags({
      plan: '/plans/night one',
      target: 'mysql://dba@db-prod:3306/shop?ssl-mode=VERIFY_CA&ssl-ca=/etc/ssl/ca.pem',
      defaultsFile: '/etc/reconcile/prod.cnf',
      defaultsExtraFile: "/home/dba/it's.cnf",
      defaults: true,
      askPass: true,
      queryTimeout: 600,
    });
    expect(rollbackCommand(f, target)).toBe(
      "reconcile rollback --plan '/plans/night one' --execute --target 'mysql://dba@db-prod:3306/shop?ssl-mode=VERIFY_CA&ssl-ca=/etc/ssl/ca.pem' --defaults-file /etc/reconcile/prod.cnf --defaults-extra-file '/home/dba/it'\\''s.cnf' --ask-pass --query-timeout 600",
    );
  });

  it('never a password: a --target URL that held one is printed without it, and asks', () => {
    const target = parseDbUrl('mysql://dba:S3cret@db-prod:3306/shop', '--target', {});
    const command = rollbackCommand(
      flags({ target: 'mysql://dba:S3cret@db-prod:3306/shop', defaults: false }),
      target,
    );
    expect(command).toBe(
      'reconcile rollback --plan /plans/p1 --execute --target mysql://dba@db-prod:3306/shop --no-defaults --ask-pass',
    );
    expect(command).not.toContain('S3cret');
  });

  it('the default --query-timeout is left out', () => {
    expect(rollbackCommand(flags({ queryTimeout: 3600 }), planned)).toBe(
      'reconcile rollback --plan /plans/p1 --execute',
    );
  });
});
