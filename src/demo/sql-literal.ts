/** A value the demo generator writes: text, an integer, bytes, or NULL. */
export type DemoValue = string | number | Buffer | null;

const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * A value as a SQL literal, for the generated incident scripts (trusted data of our own, loaded
 * through runScript). Plain ASCII text is quoted with quotes doubled; any other text goes as a
 * utf8mb4 hex literal, and bytes as a hex literal, so the script means the same whatever the
 * server's backslash mode (NO_BACKSLASH_ESCAPES) or the client's character set.
 */
export function sqlLiteral(v: DemoValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer literal: ${v}`);
    return String(v);
  }
  if (Buffer.isBuffer(v)) return v.length === 0 ? "''" : `X'${v.toString('hex')}'`;
  if (PLAIN.test(v)) return `'${v.replaceAll("'", "''")}'`;
  return `_utf8mb4 X'${Buffer.from(v, 'utf8').toString('hex')}'`;
}
