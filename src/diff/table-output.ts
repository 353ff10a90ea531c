import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { AppendFile } from './append-file.js';

export type DiffClass = 'changed' | 'onlyBackup' | 'onlyInterim';

/**
 * Bytes written so far to a table's output: its file (changed lines), then its only-in-backup
 * and only-in-interim parts. What a checkpoint records, and what a resume cuts back to.
 */
export type OutputLengths = readonly [number, number, number];

/**
 * One table's `--out` file. Its lines are grouped by class (changed, then only in the backup,
 * then only in the interim), each class in key order (partition order, then row encoding order,
 * for a table without a key), so the file does not depend on how the diff cut the table into
 * chunks, nor on where a run was interrupted. Changed lines go straight to the table's file;
 * the two other classes wait in part files beside the checkpoint and are appended to the file
 * once the table is done.
 */
export class TableOutput {
  private files: Promise<[AppendFile, AppendFile, AppendFile]> | null = null;
  private opened: [AppendFile, AppendFile, AppendFile] | null = null;

  /**
   * A table's output: new files, or with `at`, the files a killed run left, cut back to `at`.
   * Opened when the first line comes, so that only the tables under way hold files open.
   */
  constructor(
    private readonly file: string,
    private readonly partsBase: string,
    private readonly at: OutputLengths | null,
  ) {}

  private open(): Promise<[AppendFile, AppendFile, AppendFile]> {
    this.files ??= (async () => {
      const opened: AppendFile[] = [];
      const open = async (path: string, at: number): Promise<AppendFile> => {
        const f = await AppendFile.open(path, at);
        opened.push(f);
        return f;
      };
      try {
        const at = this.at ?? [0, 0, 0];
        this.opened = [
          await open(this.file, at[0]),
          await open(`${this.partsBase}.onlyBackup`, at[1]),
          await open(`${this.partsBase}.onlyInterim`, at[2]),
        ];
        return this.opened;
      } catch (e) {
        await Promise.allSettled(opened.map((f) => f.abandon()));
        throw e;
      }
    })();
    return this.files;
  }

  /** Writes a line; waits only when the files are first opened or a buffer is flushed. */
  line(cls: DiffClass, line: unknown): Promise<void> | undefined {
    const o = this.opened;
    if (!o) return this.open().then(() => this.line(cls, line));
    const text = `${JSON.stringify(line)}\n`;
    return o[cls === 'changed' ? 0 : cls === 'onlyBackup' ? 1 : 2].write(text);
  }

  /** Hands every written line to the operating system (before a checkpoint names them). */
  async flush(): Promise<void> {
    await Promise.all((await this.open()).map((f) => f.flush()));
  }

  /** Bytes written to each file so far (opened: call after `flush`). */
  lengths(): OutputLengths {
    const o = this.opened;
    if (!o) return this.at ?? [0, 0, 0];
    return [o[0].length, o[1].length, o[2].length];
  }

  /**
   * Appends the parts to the table's file and closes everything; returns the file's length.
   * The parts stay until `removeParts`: until the checkpoint says the table is done, a resume
   * builds the file again from them.
   */
  async complete(): Promise<number> {
    const [file, ...parts] = await this.open();
    for (const part of parts) {
      await part.close();
      for await (const chunk of createReadStream(part.path, { highWaterMark: 1 << 20 }))
        await file.write(chunk);
    }
    await file.close();
    return file.length;
  }

  async removeParts(): Promise<void> {
    const paths = [`${this.partsBase}.onlyBackup`, `${this.partsBase}.onlyInterim`];
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }

  /** Closes the files of a run that failed (a resume cuts them back anyway). */
  async abandon(): Promise<void> {
    const o = this.opened;
    if (o) await Promise.allSettled(o.map((f) => f.abandon()));
  }
}
