import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Text gathered before it is handed to the file stream: one buffer per chunk, not per line. */
const CHUNK_CHARS = 1 << 16;

/** Appends JSON lines to a file, waiting for the disk when its buffer is full. */
export class JsonlWriter {
  private readonly stream: WriteStream;
  private failed: Error | null = null;
  private text = '';

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (e) => {
      this.failed = e;
    });
  }

  async write(line: unknown): Promise<void> {
    if (this.failed) throw this.failed;
    this.text += `${JSON.stringify(line)}\n`;
    if (this.text.length >= CHUNK_CHARS) await this.hand();
  }

  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    await this.hand();
    await endStream(this.stream, () => this.failed);
  }

  private async hand(): Promise<void> {
    if (this.text.length === 0) return;
    const text = this.text;
    this.text = '';
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
}

/**
 * Ends a file stream and waits until it is written. A write that failed (ENOSPC) destroys the
 * stream, and its 'error' comes only once the file is closed: end() fails first with
 * ERR_STREAM_DESTROYED. The error reported is the write's (`failed`), so it reads as the disk's.
 */
export async function endStream(stream: WriteStream, failed: () => Error | null): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    stream.end((e?: Error | null) => {
      if (!e) resolve();
      else if (stream.closed) reject(failed() ?? e);
      else stream.once('close', () => reject(failed() ?? e));
    }),
  );
}

/**
 * A file name for a table that any file system accepts, whatever the table is called
 * ("a`b c", "../x", "con").
 */
export function tableFileName(table: string, ext: string): string {
  const safe = encodeURIComponent(table).replace(/^\./, '%2E').replace(/\*/g, '%2A');
  return `${safe}.${ext}`;
}
