/**
 * Runs `handle` over the items of an async iterator with at most `workers` at a time (the
 * iterator's own `next` calls queue, so its producer runs one step at a time). The first error
 * stops the others from taking new items and is rethrown once they finish.
 */
export async function runWorkers<T>(
  items: AsyncIterator<T>,
  workers: number,
  handle: (item: T) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null) {
      let next: IteratorResult<T>;
      try {
        next = await items.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done) return;
      try {
        await handle(next.value);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  if (failure !== null) {
    await items.return?.().catch(() => undefined);
    throw (failure as { error: unknown }).error;
  }
}
