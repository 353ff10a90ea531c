/**
 * Inline SVG charts: no script, no external asset, readable without colour (every bar is also
 * labelled in numbers). Pure: data in, markup out; every text escaped.
 */
import { escapeHtml } from './escape.js';

export interface Segment {
  readonly name: string;
  readonly value: number;
  /** a CSS class giving its colour (see the report's style sheet) */
  readonly cls: string;
}

export interface StackedRow {
  readonly label: string;
  readonly segments: readonly Segment[];
}

const WIDTH = 760;
const LABEL = 190;
const NUMBER = 90;
const ROW = 26;
const BAR = 16;

/**
 * One 100% bar per row, split by segment: what each table's rows are made of. The total is
 * printed at the right; each segment's count is in its tooltip and in the table beside it.
 */
export function stackedBars(rows: readonly StackedRow[], title: string): string {
  const plot = WIDTH - LABEL - NUMBER;
  const height = rows.length * ROW + 8;
  const body = rows.map((r, i) => {
    const y = 4 + i * ROW;
    const total = r.segments.reduce((n, s) => n + s.value, 0);
    let x = LABEL;
    const rects = r.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        // A class with a few rows among millions still gets a visible sliver.
        const w = Math.max(2, (plot * s.value) / Math.max(total, 1));
        const rect = `<rect class="${escapeHtml(s.cls)}" x="${fixed(x)}" y="${y}" width="${fixed(w)}" height="${BAR}"><title>${escapeHtml(`${r.label}: ${s.value.toLocaleString('en-US')} ${s.name}`)}</title></rect>`;
        x += w;
        return rect;
      });
    return [
      label(r.label, y),
      ...rects,
      `<text class="num" x="${WIDTH - 4}" y="${y + BAR - 3}" text-anchor="end">${total.toLocaleString('en-US')}</text>`,
    ].join('');
  });
  return svg(title, height, body.join('\n'));
}

export interface BarRow {
  readonly label: string;
  readonly value: number;
  /** the value as printed beside the bar */
  readonly text: string;
}

/** Horizontal bars on one scale (e.g. seconds per table). */
export function bars(rows: readonly BarRow[], title: string, cls = 'bar'): string {
  const plot = WIDTH - LABEL - NUMBER;
  const max = Math.max(...rows.map((r) => r.value), 0);
  const height = rows.length * ROW + 8;
  const body = rows.map((r, i) => {
    const y = 4 + i * ROW;
    const w = max > 0 ? Math.max(r.value > 0 ? 2 : 0, (plot * r.value) / max) : 0;
    return [
      label(r.label, y),
      `<rect class="${escapeHtml(cls)}" x="${LABEL}" y="${y}" width="${fixed(w)}" height="${BAR}"><title>${escapeHtml(`${r.label}: ${r.text}`)}</title></rect>`,
      `<text class="num" x="${WIDTH - 4}" y="${y + BAR - 3}" text-anchor="end">${escapeHtml(r.text)}</text>`,
    ].join('');
  });
  return svg(title, height, body.join('\n'));
}

function label(text: string, y: number): string {
  const short = text.length > 26 ? `${text.slice(0, 25)}…` : text;
  return `<text class="label" x="${LABEL - 8}" y="${y + BAR - 3}" text-anchor="end"><title>${escapeHtml(text)}</title>${escapeHtml(short)}</text>`;
}

function svg(title: string, height: number, body: string): string {
  return `<svg class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>\n${body}\n</svg>`;
}

function fixed(n: number): string {
  return n.toFixed(1);
}
