import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Appends JSON lines to a file, waiting for the disk when its buffer is full. */
export class JsonlWriter {
  private readonly stream: WriteStream;
  private failed: Error | null = null;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (e) => {
      this.failed = e;
    });
  }

  async write(line: unknown): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(`${JSON.stringify(line)}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    await endStream(this.stream, () => this.failed);
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
