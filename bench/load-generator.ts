/**
 * A load generator standing in for the application on a live interim: it writes to a schema at
 * a set rate, from connections of its own, until stopped, and logs every write it made (table,
 * key, op, the row as written, when) with its latency. It knows the schema (`LoadTable`s) and
 * nothing of any plan: rows to edit or delete are picked at random from the table as it is.
 *
 * Pacing is open-loop: write `n` is due at start + n / rate whether or not earlier writes have
 * finished (as requests reach an application), and waits for a free connection if none is; its
 * latency runs from when it was due to when its COMMIT returned, so a stall shows in full
 * (`serviceMs`, from when it started, is kept too). A seed fixes every choice the run makes
 * (which write, which table, which values, which random key); which row a random key lands on
 * depends on what the table holds at that moment.
 *
 * Used by test/apply/live-load.test.ts and `npm run bench:live`.
 */
import { connect } from '../src/db/mysql.js';
import { quoteId, quoteTable } from '../src/db/quote.js';
import type { Connection } from '../src/db/types.js';
import type { DbTarget } from '../src/db/url.js';
import { faultOf } from '../src/faults.js';
import { type Percentiles, percentiles, type Rng, seededRng, writeRng } from './load-stats.js';
import {
  deleteRow,
  editRow,
  insertRow,
  type LoadTable,
  type TableState,
  type WriteContext,
  type WriteOp,
  type Written,
} from './load-writes.js';

export type { LoadTable, TextRow, WriteOp, Written } from './load-writes.js';

export interface LoadOptions {
  readonly target: DbTarget;
  readonly tables: readonly LoadTable[];
  /** writes per second */
  readonly rate: number;
  readonly seed: number;
  /** connections writing at once (default 4) */
  readonly connections?: number;
  /** the label of the writes until `phase()` names another (default 'run') */
  readonly phase?: string;
}

/** One committed write. Times are epoch milliseconds (fractional). */
export interface LoggedWrite extends Written {
  /** the write's number in the run (what the seed decides) */
  readonly n: number;
  readonly phase: string;
  /** its transaction began (the last try), and its COMMIT returned */
  readonly began: number;
  readonly committed: number;
  /** from when it was due to when it committed */
  readonly latencyMs: number;
  /** from when it began to when it committed */
  readonly serviceMs: number;
}

export interface PhaseFigures {
  readonly writes: number;
  /** tries again after a deadlock or a lock wait timeout, and writes that failed all tries */
  readonly retries: number;
  readonly failures: number;
  readonly latencyMs: Percentiles;
  readonly serviceMs: Percentiles;
  /** "ledger insert" → its writes' latency (from due to commit) */
  readonly byWrite: Record<string, Percentiles>;
  /** tries again per write kind ("ledger insert" → count) */
  readonly retriesByWrite: Record<string, number>;
}

export interface LoadReport {
  readonly seed: number;
  readonly rate: number;
  readonly connections: number;
  readonly seconds: number;
  /** writes due in the run, and how many committed */
  readonly scheduled: number;
  readonly writes: number;
  /** "customer insert" → count */
  readonly byWrite: Record<string, number>;
  /** writes with nothing to do (an empty table, a row something references) */
  readonly skipped: number;
  /** tries again after a deadlock or a lock wait timeout */
  readonly retries: number;
  readonly failures: number;
  /** the first few failures' messages */
  readonly errors: readonly string[];
  readonly phases: Record<string, PhaseFigures>;
}

/** A phase's tries again and failed writes; tries again per write kind. */
interface Trouble {
  retries: number;
  failures: number;
  readonly byWrite: Record<string, number>;
}

interface Job {
  readonly n: number;
  readonly due: number;
  readonly table: string;
  readonly op: WriteOp;
  readonly phase: string;
}

const WRITES: Record<WriteOp, (w: WriteContext, table: string) => Promise<Written | null>> = {
  insert: insertRow,
  update: editRow,
  delete: deleteRow,
};

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const MAX_TRIES = 10;
const RANGE_REFRESH_MS = 200;

/** Epoch milliseconds with the monotonic clock's resolution. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LoadGenerator {
  /** every committed write, in the order their COMMITs returned */
  readonly log: LoggedWrite[] = [];
  private readonly queue: Job[] = [];
  private readonly waiting: ((j: Job | null) => void)[] = [];
  private readonly rng: Rng;
  private readonly choices: { table: string; op: WriteOp; weight: number }[];
  private phaseName: string;
  private stopping = false;
  private stopped: Promise<LoadReport> | null = null;
  private scheduled = 0;
  private skipped = 0;
  /** per phase: tries again, and writes that failed */
  private readonly trouble = new Map<string, Trouble>();
  private readonly errors: string[] = [];
  private readonly t0 = performance.now();
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly o: LoadOptions,
    private readonly tables: ReadonlyMap<string, TableState>,
    private readonly conns: readonly Connection[],
    private readonly meta: Connection,
  ) {
    this.rng = seededRng(o.seed);
    this.phaseName = o.phase ?? 'run';
    this.choices = o.tables.flatMap((t) =>
      (['insert', 'update', 'delete'] as const).map((op) => ({
        table: t.name,
        op,
        weight:
          op === 'insert' ? t.weights.insert : op === 'update' ? t.weights.edit : t.weights.delete,
      })),
    );
  }

  /** Connects, reads the tables' columns, and starts writing at once. */
  static async start(o: LoadOptions): Promise<LoadGenerator> {
    const meta = await connect(o.target);
    const conns: Connection[] = [];
    for (let i = 0; i < (o.connections ?? 4); i++) conns.push(await connect(o.target));
    const tables = await tableStates(meta, o.target.schema, o.tables);
    const g = new LoadGenerator(o, tables, conns, meta);
    await g.refreshRanges();
    g.loops = [g.pace(), g.rangeLoop(), ...conns.map((c) => g.worker(c))];
    return g;
  }

  /** Labels the writes due from now on (latency figures are kept per label). */
  phase(name: string): void {
    this.phaseName = name;
  }

  /** Stops scheduling, lets the writes already due finish, closes its connections (once). */
  stop(): Promise<LoadReport> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<LoadReport> {
    this.stopping = true;
    for (const w of this.waiting.splice(0)) w(null);
    await Promise.all(this.loops);
    const seconds = (performance.now() - this.t0) / 1000;
    for (const c of [...this.conns, this.meta]) await c.close().catch(() => undefined);
    return this.report(seconds);
  }

  private async pace(): Promise<void> {
    const total = this.choices.reduce((s, c) => s + c.weight, 0);
    for (let n = 0; !this.stopping; n++) {
      const due = this.t0 + (n * 1000) / this.o.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.stopping) break;
      const choice = this.choose(this.rng() * total);
      this.scheduled++;
      const job = { n, due, table: choice.table, op: choice.op, phase: this.phaseName };
      const w = this.waiting.shift();
      if (w) w(job);
      else this.queue.push(job);
    }
  }

  /** The write a draw in [0, total weight) lands on. */
  private choose(at: number): { table: string; op: WriteOp } {
    let left = at;
    for (const c of this.choices) {
      left -= c.weight;
      if (left < 0) return c;
    }
    const last = this.choices[this.choices.length - 1];
    if (!last) throw new Error('load generator: no writes to choose from');
    return last;
  }

  private take(): Promise<Job | null> {
    const job = this.queue.shift();
    if (job) return Promise.resolve(job);
    if (this.stopping) return Promise.resolve(null);
    return new Promise((r) => this.waiting.push(r));
  }

  private async worker(conn: Connection): Promise<void> {
    for (let job = await this.take(); job !== null; job = await this.take()) {
      await this.run(conn, job);
    }
  }

  /** One write, in a transaction; tried again after a deadlock or a lock wait timeout. */
  private async run(conn: Connection, job: Job): Promise<void> {
    for (let tries = 1; ; tries++) {
      const began = performance.now();
      const ctx = {
        conn,
        schema: this.o.target.schema,
        tables: this.tables,
        n: job.n,
        r: writeRng(this.o.seed, job.n),
      };
      try {
        await conn.execute('START TRANSACTION');
        const w = await WRITES[job.op](ctx, job.table);
        if (w === null) {
          await conn.execute('ROLLBACK');
          this.skipped++;
          return;
        }
        await conn.execute('COMMIT');
        this.committed(job, w, began);
        return;
      } catch (e) {
        await conn.execute('ROLLBACK').catch(() => undefined);
        const code = faultOf(e)?.code;
        const t = this.troubleOf(job.phase);
        if (code !== undefined && RETRYABLE.has(code) && tries < MAX_TRIES) {
          t.retries++;
          const kind = `${job.table} ${job.op}`;
          t.byWrite[kind] = (t.byWrite[kind] ?? 0) + 1;
          // as an application would: a pause growing with each try (20 ms, 40 ms, … 640 ms),
          // jittered so two victims do not meet again
          await sleep(10 * 2 ** Math.min(tries, 6) * (0.5 + Math.random()));
          continue;
        }
        t.failures++;
        if (this.errors.length < 5) this.errors.push(e instanceof Error ? e.message : String(e));
        return;
      }
    }
  }

  private troubleOf(phase: string): Trouble {
    const t = this.trouble.get(phase) ?? { retries: 0, failures: 0, byWrite: {} };
    this.trouble.set(phase, t);
    return t;
  }

  private committed(job: Job, w: Written, began: number): void {
    const end = performance.now();
    const toEpoch = performance.timeOrigin;
    this.log.push({
      ...w,
      n: job.n,
      phase: job.phase,
      began: toEpoch + began,
      committed: toEpoch + end,
      latencyMs: end - job.due,
      serviceMs: end - began,
    });
    const t = this.tables.get(w.table);
    if (!t) return;
    if (w.op === 'insert') t.own.push(w.key);
    if (w.op === 'delete') {
      const at = t.own.indexOf(w.key);
      if (at >= 0) t.own.splice(at, 1);
    }
  }

  private async rangeLoop(): Promise<void> {
    while (!this.stopping) {
      await sleep(RANGE_REFRESH_MS);
      if (!this.stopping) await this.refreshRanges();
    }
  }

  /** The lowest and highest key of each table, for picking rows at random. */
  private async refreshRanges(): Promise<void> {
    for (const t of this.tables.values()) {
      const k = quoteId(t.table.key);
      const [r] = await this.meta.rawRows(
        `SELECT MIN(${k}), MAX(${k}) FROM ${quoteTable(this.o.target.schema, t.table.name)}`,
      );
      const [lo, hi] = r ?? [];
      t.range = lo && hi ? { min: Number(lo.toString()), max: Number(hi.toString()) } : null;
    }
  }

  private report(seconds: number): LoadReport {
    const sum = (f: (t: Trouble) => number): number =>
      [...this.trouble.values()].reduce((n, t) => n + f(t), 0);
    const byWrite: Record<string, number> = {};
    const phases = new Map<string, LoggedWrite[]>();
    for (const w of this.log) {
      const k = `${w.table} ${w.op}`;
      byWrite[k] = (byWrite[k] ?? 0) + 1;
      phases.set(w.phase, [...(phases.get(w.phase) ?? []), w]);
    }
    const figures: Record<string, PhaseFigures> = {};
    for (const name of new Set([...phases.keys(), ...this.trouble.keys()])) {
      const ws = phases.get(name) ?? [];
      const t = this.trouble.get(name);
      const kinds = new Map<string, number[]>();
      for (const w of ws) {
        const k = `${w.table} ${w.op}`;
        const list = kinds.get(k) ?? [];
        list.push(w.latencyMs);
        kinds.set(k, list);
      }
      figures[name] = {
        writes: ws.length,
        retries: t?.retries ?? 0,
        failures: t?.failures ?? 0,
        latencyMs: percentiles(ws.map((w) => w.latencyMs)),
        serviceMs: percentiles(ws.map((w) => w.serviceMs)),
        byWrite: Object.fromEntries([...kinds].sort().map(([k, v]) => [k, percentiles(v)])),
        retriesByWrite: t?.byWrite ?? {},
      };
    }
    return {
      seed: this.o.seed,
      rate: this.o.rate,
      connections: this.conns.length,
      seconds: Math.round(seconds * 1000) / 1000,
      scheduled: this.scheduled,
      writes: this.log.length,
      byWrite,
      skipped: this.skipped,
      retries: sum((t) => t.retries),
      failures: sum((t) => t.failures),
      errors: this.errors,
      phases: figures,
    };
  }
}

/** Each table's columns in order, and which tables reference it. */
async function tableStates(
  s: Connection,
  schema: string,
  tables: readonly LoadTable[],
): Promise<Map<string, TableState>> {
  const out = new Map<string, TableState>();
  for (const t of tables) {
    const cols = await s.query<{ c: string }>(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [schema, t.name],
    );
    if (cols.length === 0) throw new Error(`load generator: no table ${schema}.${t.name}`);
    const children = tables
      .filter((c) => c.parent?.table === t.name)
      .map((c) => ({ table: c.name, column: c.parent?.column ?? '' }));
    out.set(t.name, { table: t, columns: cols.map((c) => c.c), children, range: null, own: [] });
  }
  return out;
}
