/**
 * A plan's action files, `actions/NNN-<table>.jsonl.gz`: one Action per line (JSON), gzip
 * compressed. The one place that writes and reads them; everything else goes through here.
 *
 * The gzip stream is deterministic for a given zlib: a fixed level, no file name and a zero
 * mtime in its header. plan.json's `fileSha256` is the sha256 of the file's lines as they
 * decompress (what `zcat FILE | sha256sum` prints), not of its compressed bytes: the planId
 * depends on what the plan says, not on the zlib build that compressed it (Node's differs from
 * the canonical one, and between its versions).
 *
 * A file that is not one whole gzip stream (truncated, corrupted, other bytes after it) is
 * refused as an edited plan (exit 3), in one line naming it; so is one whose lines differ from
 * plan.json (plan-files.ts).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { tableFileName } from '../diff/jsonl-writer.js';
import { errnoCode } from '../errno.js';
import { PreconditionError } from '../errors.js';
import { ACTIONS_DIR, type Action } from './format.js';

/** How an action file's name ends. */
export const ACTION_FILE_EXT = 'jsonl.gz';
/** zlib's level for action files: fixed, so the same lines give the same bytes. */
export const ACTION_GZIP_LEVEL = 6;
const CHUNK = 64 * 1024;

/** The `position`-th table's (0-based) action file in the plan folder: actions/003-x.jsonl.gz */
export function actionFileName(position: number, table: string): string {
  const n = String(position + 1).padStart(3, '0');
  return `${ACTIONS_DIR}/${n}-${tableFileName(table, ACTION_FILE_EXT)}`;
}

/** What plan.json records of a written action file. */
export interface ActionFileSummary {
  /** sha256 (hex) of the lines, uncompressed */
  readonly sha256: string;
  readonly lines: number;
}

/** Writes one action file, a line per action, waiting for the disk when its buffer is full. */
export class ActionFileWriter {
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;
  private failed: unknown = null;
  private readonly sha = createHash('sha256');
  private lines = 0;

  constructor(readonly path: string) {
    this.gzip = createGzip({ level: ACTION_GZIP_LEVEL, chunkSize: CHUNK });
    this.done = pipeline(this.gzip, createWriteStream(path));
    // Kept for write() to throw; close() awaits `done` and reports the same error.
    this.done.catch((e: unknown) => {
      this.failed ??= e;
    });
  }

  async write(a: Action): Promise<void> {
    if (this.failed) throw this.failed;
    const text = `${JSON.stringify(a)}\n`;
    this.sha.update(text);
    this.lines++;
    if (!this.gzip.write(text)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  /** Ends the stream and waits until the file is written. */
  async close(): Promise<ActionFileSummary> {
    if (this.failed) throw this.failed;
    this.gzip.end();
    await this.done;
    return { sha256: this.sha.digest('hex'), lines: this.lines };
  }

  /** Stops writing (the plan failed): the file is left as far as it got. */
  abandon(): void {
    this.gzip.destroy();
  }
}

/** Where an action file is, and how a refusal names it. */
export interface ActionFileRef {
  /** the file's path on disk */
  readonly path: string;
  /** its path as plan.json names it (actions/003-orders.jsonl.gz) */
  readonly file: string;
  /** the table whose file it is (`schema.table`), when the caller knows it */
  readonly table?: string;
  /** put before the refusal's text, e.g. "plan 1a2b3c4d5e6f: " */
  readonly prefix?: string;
}

/** The file's lines, uncompressed, in order (without their \n); the last one may be empty. */
export async function* actionFileLines(ref: ActionFileRef): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of inflate(ref)) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  yield rest + decoder.end();
}

/** sha256 (hex) of the file's lines, uncompressed: what plan.json's fileSha256 records. */
export async function actionFileSha256(ref: ActionFileRef): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of inflate(ref)) h.update(chunk);
  return h.digest('hex');
}

/** The file's bytes, decompressed; a missing file or a broken gzip stream is refused. */
async function* inflate(ref: ActionFileRef): AsyncGenerator<Buffer> {
  const input = createReadStream(ref.path);
  const gunzip = createGunzip({ chunkSize: CHUNK });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const chunks = gunzip[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = (await chunks.next()) as IteratorResult<Buffer>;
      } catch (e) {
        throw refusal(ref, e);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A reader that stops early (apply's delete phase reads only a file's leading deletes)
    // must not leave the file open.
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * The one-line refusal of an action file that is missing or not a whole gzip stream; another
 * error (the disk's: EIO, EACCES) as it is, for its own line.
 */
function refusal(ref: ActionFileRef, e: unknown): unknown {
  const code = errnoCode(e);
  const what =
    code === 'ENOENT'
      ? 'is missing'
      : code?.startsWith('Z_')
        ? `was edited or truncated (not a whole gzip file: ${oneLine(e)})`
        : null;
  if (what === null) return e;
  return new PreconditionError('edited-plan', `${ref.prefix ?? ''}${ref.file} ${what}`, {
    table: ref.table,
  });
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/[\r\n]+/g, ' ');
}
