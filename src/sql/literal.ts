/**
 * SQL literals for plan.sql, a script read by people and run by the mysql client. Values are
 * written so that the server stores exactly the plan's bytes, under the session plan.sql sets
 * (utf8mb4, UTC, default backslash escapes):
 * - NULL as NULL; bytes (BINARY, BLOB, BIT, GEOMETRY) as X'…';
 * - integers and DECIMALs as bare numbers (exact: never through a double);
 * - other text (dates, JSON's canonical text, strings) quoted, with ' doubled and \ escaped;
 * - text holding control characters (NUL, CR, ^Z…) as _utf8mb4 X'…', which the client passes
 *   through untouched where a raw NUL would stop it.
 * The typing of each value (which of these forms it takes) is values.ts's, shared with apply.
 */

/** A string literal for text (utf8mb4). */
export function quoteText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(s))
    return `_utf8mb4 X'${Buffer.from(s, 'utf8').toString('hex').toUpperCase()}'`;
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
