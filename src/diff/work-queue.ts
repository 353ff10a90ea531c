/**
 * Runs `handle` over the items of an async iterator with at most `workers` at a time (the
 * iterator's own `next` calls queue, so its producer runs one step at a time). The first error
 * stops the others from taking new items and is rethrown once they finish; `onFailure` hears
 * of it at once, so that handlers waiting on the failed one (see InOrder) can be released.
 */
export async function runWorkers<T>(
  items: AsyncIterator<T>,
  workers: number,
  handle: (item: T) => Promise<void>,
  onFailure?: (error: unknown) => void,
): Promise<void> {
  // a field, not a variable: the workers set it while this function awaits them
  const run: { failure: { error: unknown } | null } = { failure: null };
  const fail = (error: unknown): void => {
    if (run.failure !== null) return;
    run.failure = { error };
    onFailure?.(error);
  };
  const worker = async (): Promise<void> => {
    while (run.failure === null) {
      let next: IteratorResult<T>;
      try {
        next = await items.next();
      } catch (error) {
        fail(error);
        return;
      }
      if (next.done) return;
      try {
        await handle(next.value);
      } catch (error) {
        fail(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  if (run.failure !== null) {
    await items.return?.().catch(() => undefined);
    throw run.failure.error;
  }
}
