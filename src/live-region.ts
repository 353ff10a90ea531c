/**
 * The last few lines of a terminal that progress redraws in place, and that log lines are
 * written above. One per stream: stderr carries both the logs and the progress, and a log line
 * must never land in the middle of a progress line.
 */
export interface LiveStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export class LiveRegion {
  private lines: readonly string[] = [];
  private drawn = 0;

  constructor(private readonly stream: LiveStream) {}

  /** Replaces the region's lines (each cut to the terminal's width, so none wraps). */
  set(lines: readonly string[]): void {
    const width = Math.max(20, (this.stream.columns || 120) - 1);
    this.lines = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    this.redraw();
  }

  /** Writes text (whole lines) above the region. */
  writeAbove(text: string): void {
    this.erase();
    this.stream.write(text);
    this.draw();
  }

  private redraw(): void {
    this.erase();
    this.draw();
  }

  private erase(): void {
    if (this.drawn === 0) return;
    // To the start of the region's first line, clearing each line on the way up.
    this.stream.write(`\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.drawn - 1)}`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.lines.length === 0) return;
    // No newline after the last line: the cursor stays in the region, so erase knows where it is.
    this.stream.write(this.lines.join('\n'));
    this.drawn = this.lines.length;
  }
}

const regions = new WeakMap<LiveStream, LiveRegion>();

/** The one region of a stream (stderr by default). */
export function liveRegion(stream: LiveStream = process.stderr): LiveRegion {
  let r = regions.get(stream);
  if (!r) {
    r = new LiveRegion(stream);
    regions.set(stream, r);
  }
  return r;
}
