import type { Connection } from './types.js';

/**
 * A fixed set of connections handed out one caller at a time. With `snapshot`, each connection
 * is opened inside `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, back to back, so all
 * reads of one side see the source as it was when the command started (to within the few
 * milliseconds it takes to open them).
 */
export class SessionPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((c: Connection) => void)[] = [];
  private closed = false;

  private constructor(private readonly all: readonly Connection[]) {
    this.idle.push(...all);
  }

  static async open(
    size: number,
    factory: () => Promise<Connection>,
    options: { snapshot: boolean },
  ): Promise<SessionPool> {
    const conns: Connection[] = [];
    try {
      // Connect first, then open the snapshots in a tight loop so they are as close in time as
      // the protocol allows.
      for (let i = 0; i < size; i++) conns.push(await factory());
      if (options.snapshot) {
        await Promise.all(
          conns.map(async (c) => {
            await c.execute('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
            await c.execute('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
          }),
        );
      }
    } catch (e) {
      await Promise.allSettled(conns.map((c) => c.close()));
      throw e;
    }
    return new SessionPool(conns);
  }

  get size(): number {
    return this.all.length;
  }

  /** The first connection, for one-off metadata queries outside the worker loop. */
  get primary(): Connection {
    const c = this.all[0];
    if (!c) throw new Error('empty pool');
    return c;
  }

  async run<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      return await fn(c);
    } finally {
      this.release(c);
    }
  }

  /**
   * Holds a connection until `release` is called: for a stream that outlives one callback.
   * Always release in a `finally`.
   */
  async lease(): Promise<{ session: Connection; release: () => void }> {
    const c = await this.acquire();
    let released = false;
    return {
      session: c,
      release: () => {
        if (released) return;
        released = true;
        this.release(c);
      },
    };
  }

  private acquire(): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error('pool closed'));
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: Connection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(
      this.all.map(async (c) => {
        await c.execute('ROLLBACK').catch(() => undefined);
        await c.close();
      }),
    );
  }
}
