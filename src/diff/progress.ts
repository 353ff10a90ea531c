/** Where long work reports how far it is; the CLI draws it on a TTY, tests ignore it. */
export interface Progress {
  tableStarted(table: string, rowsEstimate: number): void;
  rowsDone(table: string, rows: number): void;
  tableDone(table: string): void;
  /** a live apply paused (over --max-load, or the pause file): time paused so far, in seconds */
  paused?(table: string, seconds: number): void;
}

export const noProgress: Progress = {
  tableStarted: () => undefined,
  rowsDone: () => undefined,
  tableDone: () => undefined,
};
