/**
 * `copy` actions: rows the plan restores unchanged from the backup, described by their keys,
 * count and the sum of their row hashes. They are copied where they are (INSERT … SELECT when
 * the backup shares the target's server) or streamed from the backup's server into multi-row
 * INSERTs; either way, inside the batch's transaction, what was copied must have the plan's
 * count and sum, else the batch is rolled back and apply refuses: the backup changed since the
 * plan.
 */

import { Readable } from 'node:stream';
import { tableRowColumns } from '../checksum/client-row-hash.js';
import type { DigestMethod } from '../checksum/digest-method.js';
import { columnsRowStringSql, rowHashSql } from '../checksum/row-expr.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { Session, SqlParam } from '../db/types.js';
import type { RowDigestHasher } from '../diff/table-digest.js';
import { PreconditionError } from '../errors.js';
import { DigestAccumulator } from '../hash/digest.js';
import { hex64, MASK64 } from '../hash/xxhash.js';
import type { Action } from '../plan/format.js';
import { LoadDataWriter, loadDataSql } from '../sql/load-data.js';
import { rawTupleWriter } from '../sql/raw-values.js';
import {
  insertHead,
  insertSelect,
  type KeySet,
  keyCells,
  keySetCondition,
  type TableShape,
} from '../sql/statements.js';
import type { UndoStep } from './undo.js';

export type CopyAction = Extract<Action, { op: 'copy' }>;

/** Where restored rows come from. */
export type RestoreSource =
  /** the backup schema on the target's server: copied by INSERT … SELECT */
  | { readonly kind: 'same-server'; readonly schema: string }
  /**
   * a session on the backup's server: rows streamed through the client, into LOAD DATA LOCAL
   * INFILE where the target takes it (`load`), else into multi-row INSERTs
   */
  | {
      readonly kind: 'stream';
      readonly session: Session;
      readonly schema: string;
      readonly load: boolean;
    };

/** How a batch checks what it copied: the table's digest method and its row hash. */
export interface CopyCheck {
  readonly method: DigestMethod;
  readonly hasher: RowDigestHasher;
}

/** Bytes of row data one INSERT of streamed rows carries, well under max_allowed_packet. */
const STREAM_INSERT_BYTES = 1 << 20;

/** Copies the rows of a run of copy actions and checks them; returns the undo step and the rows. */
export async function restoreRun(
  s: Session,
  sh: TableShape,
  source: RestoreSource | null,
  check: CopyCheck,
  run: readonly CopyAction[],
  seq: number,
): Promise<{ step: UndoStep; rows: number }> {
  if (source === null) {
    throw new PreconditionError(
      'backup-changed',
      `${sh.name}: batch ${seq} copies rows from the backup, which is not readable from here`,
      { table: `${sh.schema}.${sh.name}`, batch: seq },
    );
  }
  const set = keySetOf(sh, run);
  const want = new DigestAccumulator();
  for (const a of run) want.addDigest({ count: String(a.count), sum: a.sum });
  const expected = want.toDigest();
  const got =
    source.kind === 'same-server'
      ? await copyOnServer(s, sh, source.schema, set, check)
      : source.load
        ? await copyLoaded(s, sh, source, set, check, seq)
        : await copyStreamed(s, sh, source, set, check);
  if (got.count !== expected.count || got.sum !== expected.sum) {
    const where = source.kind === 'same-server' ? source.schema : `the backup's ${source.schema}`;
    throw new PreconditionError(
      'backup-changed',
      `${where}.${sh.name}: the ${expected.count} rows batch ${seq} restores are not the rows the plan saw (${got.count} copied, sum ${got.sum}, expected ${expected.sum}): the backup changed since the plan (batch rolled back)`,
      { table: `${sh.schema}.${sh.name}`, batch: seq },
    );
  }
  return { step: { op: 'unInsert', keys: set.keys, ranges: set.ranges }, rows: Number(got.count) };
}

/** The keys of a run of copy actions, as one set. */
function keySetOf(sh: TableShape, run: readonly CopyAction[]): KeySet {
  return {
    keys: run.flatMap((a) => a.keys.map((k) => keyCells(sh, k, `${sh.name} copy`))),
    ranges: run.flatMap((a) => a.ranges.map(([lo, hi]): [string, string] => [lo, hi])),
  };
}

/** INSERT … SELECT from the backup schema, then the copied rows' digest, read in the batch. */
async function copyOnServer(
  s: Session,
  sh: TableShape,
  from: string,
  set: KeySet,
  check: CopyCheck,
): Promise<{ count: string; sum: string }> {
  const st = insertSelect(sh, from, set);
  await s.execute(st.sql, st.params);
  return digestOfSet(s, sh, set, check);
}

/** The digest of the rows of `sh` at a key set (in apply, inside the batch's transaction). */
export async function digestOfSet(
  s: Session,
  sh: TableShape,
  set: KeySet,
  check: CopyCheck,
): Promise<{ count: string; sum: string }> {
  const where = keySetCondition(sh, set);
  const table = quoteTable(sh.schema ?? '', sh.name);
  if (check.method.kind === 'server') {
    const hash = rowHashSql(columnsRowStringSql(tableRowColumns(sh.columns)), check.method.rowHash);
    const row = (
      await s.rawRows(
        `SELECT COUNT(*), SUM(${hash}) FROM ${table} WHERE ${where.sql}`,
        where.params,
      )
    )[0];
    // SUM is exact (a DECIMAL): the digest's sum is it mod 2^64.
    return {
      count: row?.[0]?.toString() ?? '0',
      sum: hex64(BigInt(row?.[1]?.toString() ?? '0') & MASK64),
    };
  }
  const acc = new DigestAccumulator();
  const cols = sh.columns.map((c) => quoteId(c.name)).join(', ');
  for await (const r of s.streamRaw(
    `SELECT ${cols} FROM ${table} WHERE ${where.sql}`,
    where.params,
  ))
    acc.add(check.hasher.hash(r));
  return acc.toDigest();
}

/**
 * Rows read from the backup's server and written as multi-row INSERTs, hashed on the way (the
 * read is the check: no second read of the target). Pipelined: the next INSERT is read, hashed
 * and written out while the target runs the one before (one statement in flight at a time, so
 * the batch's transaction sees them in order and a failure stops the run at the first).
 */
async function copyStreamed(
  s: Session,
  sh: TableShape,
  source: Extract<RestoreSource, { kind: 'stream' }>,
  set: KeySet,
  check: CopyCheck,
): Promise<{ count: string; sum: string }> {
  const acc = new DigestAccumulator();
  const select = backupSelect(sh, source, set);
  const tuple = rawTupleWriter(sh.columns);
  const out = new InsertPipe(s, insertHead(sh));
  try {
    for await (const r of source.session.streamRaw(select.sql, select.params)) {
      acc.add(check.hasher.hash(r));
      await out.add(tuple(r));
    }
    await out.end();
  } catch (e) {
    // The statement in flight ends before the batch's transaction is rolled back.
    await out.settle();
    throw e;
  }
  return acc.toDigest();
}

/** The SELECT that reads a key set's rows from the backup, in key order. */
function backupSelect(
  sh: TableShape,
  source: Extract<RestoreSource, { kind: 'stream' }>,
  set: KeySet,
): { sql: string; params: readonly SqlParam[] } {
  const where = keySetCondition(sh, set);
  const cols = sh.columns.map((c) => quoteId(c.name)).join(', ');
  const order = sh.key.map((c) => quoteId(c.name)).join(', ');
  return {
    sql: `SELECT ${cols} FROM ${quoteTable(source.schema, sh.name)} WHERE ${where.sql} ORDER BY ${order}`,
    params: where.params,
  };
}

/**
 * Rows read from the backup's server and fed, as they come, to one LOAD DATA LOCAL INFILE on the
 * target (sql/load-data.ts), hashed on the way. With LOCAL the server turns a value it cannot
 * store exactly or a duplicate key into a warning and goes on: the load must have written every
 * row it was sent and raised no warning, else the batch is rolled back.
 */
async function copyLoaded(
  s: Session,
  sh: TableShape,
  source: Extract<RestoreSource, { kind: 'stream' }>,
  set: KeySet,
  check: CopyCheck,
  seq: number,
): Promise<{ count: string; sum: string }> {
  const acc = new DigestAccumulator();
  const select = backupSelect(sh, source, set);
  const writer = new LoadDataWriter(sh.columns);
  const feed = new Feed();
  const loading = s.loadLocal(loadDataSql(sh), feed).then(
    (r) => ({ ok: r }) as const,
    (error: unknown) => ({ error }) as const,
  );
  feed.until(loading);
  try {
    for await (const r of source.session.streamRaw(select.sql, select.params)) {
      acc.add(check.hasher.hash(r));
      writer.add(r);
      const chunk = writer.take();
      if (chunk) await feed.put(chunk);
    }
    await feed.put(writer.rest());
    feed.push(null);
  } catch (e) {
    // The load ends with what it was given; the batch's transaction is rolled back after. When
    // the load itself failed (the target went away), its error is the one to report.
    feed.destroy();
    const r = await loading;
    throw e instanceof LoadEnded && 'error' in r ? r.error : e;
  }
  const done = await loading;
  if ('error' in done) throw done.error;
  if (done.ok.warnings > 0 || done.ok.affectedRows !== writer.rows) {
    const shown = await s.query<{ Message: string }>('SHOW WARNINGS LIMIT 3');
    throw new Error(
      `${sh.name}: batch ${seq}: LOAD DATA wrote ${done.ok.affectedRows} of ${writer.rows} rows with ${done.ok.warnings} warnings (${shown.map((w) => w.Message).join('; ')}); batch rolled back`,
    );
  }
  return acc.toDigest();
}

/** LOAD DATA input handed to the driver as it is written, at the pace the socket takes it. */
class Feed extends Readable {
  private wake: (() => void) | null = null;
  private ended: Promise<unknown> = new Promise(() => undefined);

  /** Stops waiting for the reader once `p` settles (the load ended or failed). */
  until(p: Promise<unknown>): void {
    this.ended = p;
  }

  override _read(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async put(chunk: Buffer): Promise<void> {
    if (chunk.length === 0 || this.push(chunk)) return;
    const ended = await Promise.race([
      new Promise<false>((r) => {
        this.wake = () => r(false);
      }),
      this.ended.then(() => true),
    ]);
    if (ended) throw new LoadEnded();
  }
}

/** The load stopped reading its input: it failed, and its own error says why. */
class LoadEnded extends Error {
  constructor() {
    super('LOAD DATA ended before its input');
  }
}

/** Multi-row INSERTs of about STREAM_INSERT_BYTES each, one in flight while the next fills. */
class InsertPipe {
  private tuples: string[] = [];
  private bytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | null = null;

  constructor(
    private readonly s: Session,
    private readonly head: string,
  ) {}

  async add(tuple: string): Promise<void> {
    this.tuples.push(tuple);
    this.bytes += tuple.length + 1;
    if (this.bytes >= STREAM_INSERT_BYTES) await this.send();
  }

  async end(): Promise<void> {
    if (this.tuples.length > 0) await this.send();
    await this.settle();
    if (this.failure) throw this.failure.error;
  }

  /** Waits for the statement in flight (never throws: its failure is kept for the next call). */
  async settle(): Promise<void> {
    await this.inFlight;
  }

  private async send(): Promise<void> {
    const sql = this.head + this.tuples.join(',');
    this.tuples = [];
    this.bytes = 0;
    await this.inFlight;
    if (this.failure) throw this.failure.error;
    this.inFlight = this.s.execute(sql).then(
      () => undefined,
      (error: unknown) => {
        this.failure = { error };
      },
    );
  }
}
