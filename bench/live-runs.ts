/**
 * The applies of `npm run bench:live`: what each one's `--json` report says, and the moment a
 * live run has reserved the fresh ids (its first batch is in the journal), after which the
 * generator may sign accounts up.
 */
import { connect } from '../src/db/mysql.js';
import { quoteTable } from '../src/db/quote.js';
import type { DbTarget } from '../src/db/url.js';
import { JOURNAL_TABLE } from '../src/introspect/reserved.js';
import type { ProcessRun } from './measure.js';
import { round } from './scale-cli.js';

/** An apply's figures: the child's wall time and peak RSS, and its report's own numbers. */
export interface ApplyRun {
  readonly seconds: number;
  readonly peakRssMB: number | null;
  readonly reportSeconds: { check: number; write: number; total: number; paused: number };
  readonly rows: number;
  readonly batches: number;
  /** actions deferred (rows the generator changed since the plan), live runs */
  readonly deferred: number;
}

interface ApplyJson {
  rows: number;
  batches: number;
  deferred: number;
  seconds: { check: number; write: number; total: number; paused: number };
}

export function applied(run: ProcessRun): ApplyRun {
  const a = JSON.parse(run.stdout) as ApplyJson;
  return {
    seconds: round(run.seconds),
    peakRssMB: run.peakRssMB,
    reportSeconds: {
      check: round(a.seconds.check),
      write: round(a.seconds.write),
      total: round(a.seconds.total),
      paused: round(a.seconds.paused ?? 0),
    },
    rows: a.rows,
    batches: a.batches,
    deferred: a.deferred,
  };
}

/**
 * Resolves once the journal of `target` holds a batch (the fresh ids were reserved before it);
 * rejects if `running` ends first (an apply that failed says why there).
 */
export async function firstBatch(target: DbTarget, running: Promise<unknown>): Promise<void> {
  let ended = false;
  void running.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  const c = await connect(target);
  try {
    for (;;) {
      // read before the query: an apply that ended meanwhile left its batches in the journal
      const done = ended;
      const rows = await c
        .rawRows(
          `SELECT 1 FROM ${quoteTable(target.schema, JOURNAL_TABLE)} WHERE kind = 'batch' LIMIT 1`,
        )
        .catch(() => []);
      if (rows.length > 0) return;
      if (done) {
        await running;
        throw new Error('apply ended before its first batch');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await c.close();
  }
}
