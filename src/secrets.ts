/**
 * The one function that masks passwords in text: log lines, error messages, echoed URLs.
 * A URL's `user:password` is masked whether or not an `@` follows it: `mysql://dba:MyS3cret`
 * (the host forgotten) must not print the password back. Without an `@`, no text tells a port
 * from a password (`mysql://dba:12345`): whatever follows the colon is masked to the end of the
 * word, since a password may hold `/`. Only a URL as the user typed it can lack the `@`; a
 * target the tool describes always says `user@host:port`, so no port of a parsed URL is lost.
 */
export function maskPasswords(text: string): string {
  return text.replace(/\/\/([^\s"'`]+)/g, (_all, rest: string) => `//${maskAuthority(rest)}`);
}

/** One URL's text after `//`, up to whitespace or a quote. */
function maskAuthority(rest: string): string {
  // Up to the last '@': a password may itself hold '@' (mysql://root:p@ss@host/x).
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const colon = rest.indexOf(':');
    if (colon < 0 || colon > at) return rest;
    // The form itself, as usage lines spell it: mysql://user[:password]@host.
    if (rest.slice(colon, at) === ':password]') return rest;
    return `${rest.slice(0, colon)}:***${rest.slice(at)}`;
  }
  if (rest.startsWith('[')) return rest; // an IPv6 host: its colons are no password's
  const colon = rest.indexOf(':');
  if (colon < 0) return rest;
  const slash = rest.indexOf('/');
  if (slash >= 0 && slash < colon) return rest; // a colon in the path, not in the authority
  return `${rest.slice(0, colon)}:***`;
}
