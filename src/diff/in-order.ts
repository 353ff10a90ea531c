/**
 * Delivers numbered results in number order, whatever order they arrive in.
 *
 * Backpressure both ways, so memory stays bounded by chunk size × (workers + window):
 * - each delivery waits for the previous one, so a slow consumer (a file on a slow disk) holds
 *   the producers back;
 * - a result more than `window` numbers ahead of the next one to deliver waits until the
 *   delivery point comes near, so one slow chunk cannot let the others pile up behind it.
 *
 * INVARIANT: the producer of number `next` is never held back (its number is inside the
 * window), so waiting cannot deadlock — as long as every number is eventually pushed. When a
 * producer fails instead, call `abort` so the others stop waiting.
 */
export class InOrder<T> {
  private readonly pending = new Map<number, T>();
  private next = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly deliver: (item: T) => Promise<void>,
    private readonly window = 16,
  ) {}

  /** Resolves once `item` is delivered or near enough to the delivery point. */
  async push(index: number, item: T): Promise<void> {
    this.throwIfFailed();
    this.pending.set(index, item);
    this.chain = this.chain.then(() => this.flush());
    try {
      await this.chain;
    } catch (error) {
      this.abort(error);
      throw error;
    }
    while (index >= this.next + this.window) {
      await new Promise<void>((resolve) => this.waiters.add(resolve));
      this.throwIfFailed();
    }
  }

  /** Numbers pushed but not yet delivered. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Releases every waiting `push` with `error` (a producer failed; nothing more will come). */
  abort(error: unknown): void {
    this.failure ??= { error };
    this.pending.clear();
    this.wake();
  }

  private async flush(): Promise<void> {
    for (;;) {
      if (this.failure) return;
      const item = this.pending.get(this.next);
      if (item === undefined) return;
      this.pending.delete(this.next);
      this.next++;
      await this.deliver(item);
      this.wake();
    }
  }

  private wake(): void {
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) w();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Resolves when everything pushed so far is delivered; throws if a number is missing. */
  async done(): Promise<number> {
    await this.chain;
    this.throwIfFailed();
    if (this.pending.size > 0) throw new Error(`result ${this.next} never arrived`);
    return this.next;
  }
}
