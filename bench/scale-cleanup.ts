/**
 * What `npm run bench:scale` must undo however it ends: schemas to drop, the private server to
 * stop, temporary folders to remove. Steps run newest first, each once, also on Ctrl-C or
 * SIGTERM (then the process exits 130 or 143 after them); a failing step is logged and the
 * others still run.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly log: (m: string) => void) {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        this.log(`${signal}: cleaning up`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (e) {
        this.log(`cleanup: ${step.what} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

/**
 * A bench's entry point: runs it with a Cleanup, prints its one JSON line on stdout, and cleans
 * up however it ended.
 */
export async function runBench(
  log: (m: string) => void,
  run: (cleanup: Cleanup) => Promise<Record<string, unknown>>,
): Promise<void> {
  const cleanup = new Cleanup(log);
  try {
    const line = await run(cleanup);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    log('cleaning up');
    await cleanup.run();
  }
}
