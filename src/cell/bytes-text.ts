/**
 * Bytes as a DBA reads and pastes them: a byte string (BINARY, VARBINARY, BLOB) whose every byte
 * is printable ASCII as the SQL literal `_binary'abc'`, anything else as `0x…`. Never text for a
 * BIT value (`asText` false): the server compares a BIT column with a string literal as a
 * number (`b = _binary'AB'` is false where `b = 0x4142` is true), so only the hex literal finds
 * it. Past `max` characters the value is cut, with its length in bytes.
 */
export function bytesLiteral(hex: string, asText: boolean, max = Number.POSITIVE_INFINITY): string {
  const bytes = Buffer.from(hex, 'hex');
  if (asText && bytes.every((b) => b >= 0x20 && b <= 0x7e)) {
    const body = bytes.toString('latin1').replaceAll('\\', '\\\\').replaceAll("'", "''");
    return body.length > max
      ? `_binary'${body.slice(0, max)}…' (${bytes.length} bytes)`
      : `_binary'${body}'`;
  }
  // X'' rather than a bare 0x, which is no literal, for the empty byte string.
  if (bytes.length === 0) return "X''";
  return hex.length > max ? `0x${hex.slice(0, max)}… (${bytes.length} bytes)` : `0x${hex}`;
}
