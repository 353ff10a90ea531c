/**
 * Lookups that must succeed. A missing value here is a bug (the caller built the map or list
 * it reads), never a user's mistake: the error names what was missing, and the CLI prints its
 * stack (exit 70). Use it instead of a cast that silences `noUncheckedIndexedAccess`.
 */
export class MissingValueError extends Error {
  override readonly name = 'MissingValueError';
}

/** `v`, or a bug error naming `what` when it is undefined. */
export function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new MissingValueError(`missing ${what}`);
  return v;
}

/** `map.get(key)`, or a bug error naming `what` (and the key) when the map has no such key. */
export function mustGet<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const v = map.get(key);
  if (v === undefined) throw new MissingValueError(`missing ${what} ${JSON.stringify(key)}`);
  return v;
}
