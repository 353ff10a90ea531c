/**
 * A plain text table for terminal reports: the first column left-aligned, numbers right-aligned,
 * other text left-aligned.
 */
export function textGrid(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => i > 0 && rows.every((r) => /^[-\d.,s%]*$/.test(r[i] ?? '')));
  const fmt = (r: readonly string[]): string =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

export function num(n: number | string): string {
  return typeof n === 'string' ? Number(n).toLocaleString('en-US') : n.toLocaleString('en-US');
}

export function secs(s: number): string {
  return s < 10 ? `${s.toFixed(2)}s` : `${s.toFixed(1)}s`;
}
