/**
 * Delivers numbered results in number order, whatever order they arrive in. Each delivery
 * waits for the previous one, so a slow consumer (a file on a slow disk) holds the producers
 * back instead of letting results pile up in memory.
 */
export class InOrder<T> {
  private readonly pending = new Map<number, T>();
  private next = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deliver: (item: T) => Promise<void>) {}

  push(index: number, item: T): Promise<void> {
    this.pending.set(index, item);
    this.chain = this.chain.then(() => this.flush());
    return this.chain;
  }

  private async flush(): Promise<void> {
    for (;;) {
      const item = this.pending.get(this.next);
      if (item === undefined) return;
      this.pending.delete(this.next);
      this.next++;
      await this.deliver(item);
    }
  }

  /** Resolves when everything pushed so far is delivered; throws if a number is missing. */
  async done(): Promise<number> {
    await this.chain;
    if (this.pending.size > 0) throw new Error(`result ${this.next} never arrived`);
    return this.next;
  }
}
