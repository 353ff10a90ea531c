import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/diff/in-order.js';
import { runWorkers } from '../../src/diff/work-queue.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('InOrder', () => {
  it('delivers in number order whatever the arrival order', async () => {
    const got: number[] = [];
    const o = new InOrder<number>(async (x) => {
      got.push(x);
    });
    await Promise.all([5, 3, 0, 1, 4, 2].map((i) => o.push(i, i * 10)));
    expect(await o.done()).toBe(6);
    expect(got).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('reports a number that never arrived', async () => {
    const o = new InOrder<number>(async () => undefined);
    await o.push(0, 0);
    void o.push(2, 2).catch(() => undefined);
    await expect(o.done()).rejects.toThrow('result 1 never arrived');
  });

  it('holds results back while one slow chunk keeps the others waiting (bounded memory)', async () => {
    // The engine's shape: workers hash chunks and push them; chunk 0 is slow.
    const window = 4;
    const o = new InOrder<number>(async () => undefined, window);
    let maxBacklog = 0;
    await runWorkers(numbers(60), 3, async (i) => {
      await sleep(i === 0 ? 150 : 1);
      await o.push(i, i);
      maxBacklog = Math.max(maxBacklog, o.backlog);
    });
    expect(await o.done()).toBe(60);
    // without the window, the two fast workers would run through all 59 other chunks
    expect(maxBacklog).toBeLessThanOrEqual(window);
  });

  it('releases waiting producers when one fails, instead of hanging', async () => {
    const o = new InOrder<number>(async () => undefined, 2);
    const run = runWorkers(
      numbers(20),
      3,
      async (i) => {
        if (i === 0) {
          await sleep(50);
          throw new Error('chunk 0 failed');
        }
        await o.push(i, i);
      },
      (e) => o.abort(e),
    );
    await expect(run).rejects.toThrow('chunk 0 failed');
  });

  it('fails the producers when delivery fails', async () => {
    const o = new InOrder<number>(async (x) => {
      if (x === 1) throw new Error('disk full');
    }, 2);
    await o.push(0, 0);
    await expect(o.push(1, 1)).rejects.toThrow('disk full');
    await expect(o.push(2, 2)).rejects.toThrow('disk full');
  });
});
