import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('reconcile without a command', () => {
  it('is bad usage: help on stderr, nothing on stdout, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: reconcile');
  });

  it('--help is not an error: help on stdout, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: reconcile');
  });
});
