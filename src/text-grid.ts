/**
 * The one plain-text table for terminal reports (diff, plan, apply, rehearse, verify, demo).
 */
export interface GridOptions {
  /**
   * Which columns are right-aligned. By default: every column after the first whose cells all
   * look like numbers, durations or percentages.
   */
  readonly right?: (column: number) => boolean;
  /** a row of dashes under the header (default true) */
  readonly rule?: boolean;
  /** text before every line */
  readonly indent?: string;
}

export function textGrid(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: GridOptions = {},
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right =
    options.right ??
    ((i: number): boolean => i > 0 && rows.every((r) => /^[-\d.,s%]*$/.test(r[i] ?? '')));
  const aligned = header.map((_, i) => right(i));
  const indent = options.indent ?? '';
  const fmt = (r: readonly string[]): string =>
    indent +
    r
      .map((c, i) => (aligned[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = options.rule === false ? [] : [fmt(widths.map((w) => '-'.repeat(w)))];
  return [fmt(header), ...rule, ...rows.map(fmt)];
}

/** A count with thousands separators. */
export function num(n: number | string): string {
  return typeof n === 'string' ? Number(n).toLocaleString('en-US') : n.toLocaleString('en-US');
}

export function secs(s: number): string {
  return s < 10 ? `${s.toFixed(2)}s` : `${s.toFixed(1)}s`;
}
