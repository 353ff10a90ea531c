import { type FileHandle, open } from 'node:fs/promises';
import { errnoCode } from '../errno.js';

/** Bytes held before they are written out. */
const BUFFER_BYTES = 1 << 16;

/**
 * A file written from start to end through a buffer the caller can flush: after `flush()`,
 * `length` bytes are in the operating system (a kill -9 of the process loses none of them), so
 * a checkpoint may record that length. Opened at a length (a resume), the file is cut back to
 * it first: whatever a killed run wrote after its last checkpoint is written again, never twice.
 */
export class AppendFile {
  /** written but not yet handed over: buffers, then text (kept as one string until then) */
  private buffered: Buffer[] = [];
  private text = '';
  private bufferedBytes = 0;
  private written: number;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    at: number,
  ) {
    this.written = at;
  }

  /** A new (or emptied) file, or with `at`, an existing one cut back to `at` bytes. */
  static async open(path: string, at = 0): Promise<AppendFile> {
    const fh = await withPath(path, () => open(path, at === 0 ? 'w' : 'r+'));
    try {
      if (at > 0) {
        const size = (await fh.stat()).size;
        if (size < at) throw new ShortFileError(path, size, at);
        await withPath(path, () => fh.truncate(at));
      }
    } catch (e) {
      await fh.close();
      throw e;
    }
    return new AppendFile(path, fh, at);
  }

  /** Bytes written so far, flushed or not. */
  get length(): number {
    return this.written + this.bufferedBytes;
  }

  /**
   * Appends `data`; waits only when the buffer is full (then it is flushed). Text is kept as
   * text until then: one conversion per flush, not one small buffer per line.
   */
  write(data: Buffer | string): Promise<void> | undefined {
    if (typeof data === 'string') {
      this.text += data;
      this.bufferedBytes += Buffer.byteLength(data);
    } else {
      this.takeText();
      this.buffered.push(data);
      this.bufferedBytes += data.length;
    }
    return this.bufferedBytes >= BUFFER_BYTES ? this.flush() : undefined;
  }

  private takeText(): void {
    if (this.text.length === 0) return;
    this.buffered.push(Buffer.from(this.text));
    this.text = '';
  }

  /** Hands every buffered byte to the operating system. */
  async flush(): Promise<void> {
    if (this.bufferedBytes === 0) return;
    this.takeText();
    const data = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    let done = 0;
    while (done < data.length) {
      const at = this.written + done;
      const { bytesWritten } = await withPath(this.path, () =>
        this.fh.write(data, done, data.length - done, at),
      );
      done += bytesWritten;
    }
    this.written += data.length;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes without writing what is buffered (the run failed; a resume cuts back anyway). */
  async abandon(): Promise<void> {
    this.buffered = [];
    this.text = '';
    this.bufferedBytes = 0;
    await this.fh.close().catch(() => undefined);
  }
}

/** A file shorter than the checkpoint that recorded it: it was cut or replaced since. */
export class ShortFileError extends Error {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly expected: number,
  ) {
    super(`${path} holds ${size} bytes, the checkpoint recorded ${expected}`);
  }
}

/**
 * A file handle's errors name no file (ENOSPC on `write`): the path is added, so that the
 * one-line fault message says which file (faults.ts reads `path`).
 */
async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && errnoCode(e) && !('path' in e)) Object.assign(e, { path });
    throw e;
  }
}
