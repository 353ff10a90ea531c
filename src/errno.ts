/**
 * The code of a system call's error (`ENOENT`, `EACCES`…), read without trusting its shape:
 * undefined when `e` carries no string code. For the catch blocks of file and socket calls.
 */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
