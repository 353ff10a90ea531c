import { createReadStream } from 'node:fs';
import { AppendFile } from '../diff/append-file.js';
import type { DiffCollision } from './collision.js';

/**
 * The differing rows of one table (their stored encodings: HashedRow.stored), as the diff delivered them (key order), kept on disk between
 * the diff and the planning pass: planning a table needs every table's remaps first, and the
 * diff must not be run twice. Binary, length-prefixed: [kind u8][reason u8][count u32]
 * [len u32][enc]... with one encoding for one-sided rows and two (backup, interim) for pairs.
 */
export type SpoolRecord =
  | { readonly kind: 'onlyBackup' | 'onlyInterim'; readonly enc: Buffer; readonly count: number }
  | { readonly kind: 'changed'; readonly backup: Buffer; readonly interim: Buffer }
  | {
      readonly kind: 'collision';
      readonly reason: DiffCollision;
      readonly backup: Buffer;
      readonly interim: Buffer;
    };

const KIND = { onlyBackup: 1, onlyInterim: 2, changed: 3, collision: 4 } as const;
const KIND_NAME = ['', 'onlyBackup', 'onlyInterim', 'changed', 'collision'] as const;
/** A collision's reason as one byte, only inside the spool. */
const REASON: Record<DiffCollision, number> = { naturalKey: 1, createdAt: 2 };
const REASON_NAME: Record<number, DiffCollision> = { 1: 'naturalKey', 2: 'createdAt' };

export class SpoolWriter {
  records = 0;

  private constructor(private readonly file: AppendFile) {}

  /** A new spool, or with `at`, the spool an interrupted plan left, cut back to `at` bytes. */
  static async open(path: string, at = 0): Promise<SpoolWriter> {
    return new SpoolWriter(await AppendFile.open(path, at));
  }

  get path(): string {
    return this.file.path;
  }

  /** Bytes written so far (what a checkpoint records, after `flush`). */
  get length(): number {
    return this.file.length;
  }

  async write(r: SpoolRecord): Promise<void> {
    const encs = 'enc' in r ? [r.enc] : [r.backup, r.interim];
    const head = Buffer.allocUnsafe(6);
    head[0] = KIND[r.kind];
    head[1] = r.kind === 'collision' ? REASON[r.reason] : 0;
    head.writeUInt32LE('count' in r ? r.count : 1, 2);
    const parts: Buffer[] = [head];
    for (const e of encs) {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(e.length, 0);
      parts.push(len, e);
    }
    this.records++;
    await this.file.write(Buffer.concat(parts));
  }

  /** Hands what is written to the operating system (before a checkpoint records the length). */
  flush(): Promise<void> {
    return this.file.flush();
  }

  close(): Promise<void> {
    return this.file.close();
  }

  /** Closes without writing what is buffered (the plan failed). */
  abandon(): Promise<void> {
    return this.file.abandon();
  }
}

/** Reads a spool file back, record by record, holding one read buffer at a time. */
export async function* readSpool(path: string): AsyncGenerator<SpoolRecord> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    buf = buf.length === 0 ? (chunk as Buffer) : Buffer.concat([buf, chunk as Buffer]);
    let o = 0;
    for (;;) {
      const r = parseAt(buf, o);
      if (r === null) break;
      yield r.record;
      o = r.next;
    }
    buf = buf.subarray(o);
  }
  if (buf.length > 0) throw new Error(`spool ${path} ends mid-record`);
}

function parseAt(buf: Buffer, o: number): { record: SpoolRecord; next: number } | null {
  if (buf.length < o + 6) return null;
  const kind = KIND_NAME[buf[o] ?? 0];
  const reason = REASON_NAME[buf[o + 1] ?? 0];
  const count = buf.readUInt32LE(o + 2);
  let p = o + 6;
  const n = kind === 'onlyBackup' || kind === 'onlyInterim' ? 1 : 2;
  const encs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    if (buf.length < p + 4) return null;
    const len = buf.readUInt32LE(p);
    if (buf.length < p + 4 + len) return null;
    // A copy: the read buffer is reused for the next chunk.
    encs.push(Buffer.from(buf.subarray(p + 4, p + 4 + len)));
    p += 4 + len;
  }
  if ((kind === 'onlyBackup' || kind === 'onlyInterim') && encs[0]) {
    return { record: { kind, enc: encs[0], count }, next: p };
  }
  const [backup, interim] = encs;
  if (kind === 'changed' && backup && interim) {
    return { record: { kind, backup, interim }, next: p };
  }
  if (kind === 'collision' && backup && interim && reason) {
    return { record: { kind, reason, backup, interim }, next: p };
  }
  throw new Error(`spool record of unknown kind ${buf[o]} (reason ${buf[o + 1]})`);
}
