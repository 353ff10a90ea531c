/**
 * A word for a POSIX shell, as a person would type it: left as it is when it holds only
 * characters no shell reads specially, else in single quotes (a `'` inside as `'\''`). For
 * commands the tool prints for a person to run.
 */
export function shellQuote(s: string): string {
  return /^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
