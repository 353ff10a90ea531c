import { rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { writingTo } from '../faults.js';
import { renderHtml } from './html.js';
import { loadReport } from './load-report.js';
import { renderMarkdown } from './markdown.js';
import type { ReportData } from './report-data.js';

export interface ReportOptions {
  readonly planDir: string;
  /** write the HTML report here */
  readonly html: string | null;
  /** write the Markdown report here */
  readonly markdown: string | null;
  /** conflict and change samples per table */
  readonly samples: number;
  readonly logger: Logger;
}

export interface ReportOutcome {
  readonly data: ReportData;
  /** the Markdown text, always rendered (the CLI prints it when no file is asked for) */
  readonly markdown: string;
  readonly written: readonly string[];
}

/** `reconcile report`: reads a plan folder and renders it. Writes each file whole or not at all. */
export async function runReport(opts: ReportOptions): Promise<ReportOutcome> {
  const t0 = performance.now();
  const data = await loadReport(opts.planDir, { samples: opts.samples });
  const markdown = renderMarkdown(data);
  const written: string[] = [];
  if (opts.html) {
    await writeWhole(opts.html, renderHtml(data));
    written.push(opts.html);
  }
  if (opts.markdown) {
    await writeWhole(opts.markdown, markdown);
    written.push(opts.markdown);
  }
  opts.logger.info(
    {
      event: 'report.done',
      planId: data.manifest.planId,
      tables: data.tables.length,
      written,
      ms: Math.round(performance.now() - t0),
    },
    'report done',
  );
  return { data, markdown, written };
}

/** Through a temporary file beside `path`; a fault names `path`, the file the user gave. */
function writeWhole(path: string, text: string): Promise<void> {
  return writingTo(path, async () => {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  });
}
