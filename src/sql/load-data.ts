/**
 * Restored rows as `LOAD DATA LOCAL INFILE` input, written straight from the bytes the backup's
 * server sent: the fastest exact way into a table on another server (no SQL text to build, no
 * string per value, the server parses tab-separated fields instead of statements).
 *
 * The file is tab-separated lines in utf8mb4 (the protocol's bytes for every text column), with
 * the server's own escapes: `\\` `\t` `\n` `\0` inside a field, `\N` for NULL. Columns whose
 * values are bytes (BINARY, BLOB, BIT, GEOMETRY) travel as hex into a user variable and are
 * stored by `UNHEX`, so no byte sequence of theirs is ever read as text: each stored value is
 * the one `storeValue` writes (X'…' for bytes, the server's text for the rest).
 */

import { isBytesFamily } from '../cell/cell-codec.js';
import { quoteId } from '../db/quote.js';
import type { RawRow } from '../db/types.js';
import type { TableShape } from './statements.js';

/** Bytes of input handed to the driver at a time: one packet each, far below max_allowed_packet. */
export const LOAD_CHUNK_BYTES = 64 * 1024;

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/** The statement that loads a shape's columns from the input `LoadDataWriter` writes. */
export function loadDataSql(s: TableShape): string {
  if (s.schema === null) throw new Error('LOAD DATA needs a schema-qualified table');
  const targets: string[] = [];
  const sets: string[] = [];
  s.columns.forEach((c, i) => {
    if (isBytesFamily(c.family)) {
      targets.push(`@c${i}`);
      sets.push(`${quoteId(c.name)} = UNHEX(@c${i})`);
    } else targets.push(quoteId(c.name));
  });
  const table = `${quoteId(s.schema)}.${quoteId(s.name)}`;
  return (
    `LOAD DATA LOCAL INFILE 'reconcile-restore' INTO TABLE ${table} CHARACTER SET utf8mb4 ` +
    // Tab, backslash and newline as hex literals: they read the same under NO_BACKSLASH_ESCAPES.
    `FIELDS TERMINATED BY 0x09 ENCLOSED BY '' ESCAPED BY 0x5C ` +
    `LINES STARTING BY '' TERMINATED BY 0x0A (${targets.join(', ')})` +
    (sets.length > 0 ? ` SET ${sets.join(', ')}` : '')
  );
}

/** Writes rows as LOAD DATA input into chunks of about LOAD_CHUNK_BYTES. */
export class LoadDataWriter {
  private readonly hex: readonly boolean[];
  private buf = Buffer.allocUnsafe(LOAD_CHUNK_BYTES * 2);
  private n = 0;
  rows = 0;

  constructor(columns: TableShape['columns']) {
    this.hex = columns.map((c) => isBytesFamily(c.family));
  }

  add(row: RawRow): void {
    for (let i = 0; i < this.hex.length; i++) {
      if (i > 0) this.byte(TAB);
      const v = row[i] ?? null;
      if (v === null) {
        this.byte(BACKSLASH);
        this.byte(0x4e); // N
      } else if (this.hex[i]) {
        this.room(v.length * 2);
        this.n += this.buf.write(v.toString('hex'), this.n, 'latin1');
      } else this.escaped(v);
    }
    this.byte(NEWLINE);
    this.rows++;
  }

  /** The input written so far once it fills a chunk, else null. */
  take(): Buffer | null {
    return this.n >= LOAD_CHUNK_BYTES ? this.rest() : null;
  }

  /** Whatever input is written and not yet taken. */
  rest(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.n));
    this.n = 0;
    return out;
  }

  private escaped(v: Buffer): void {
    this.room(v.length * 2);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] ?? 0;
      if (c === BACKSLASH || c === TAB || c === NEWLINE || c === 0) {
        b[n++] = BACKSLASH;
        b[n++] = c === TAB ? 0x74 : c === NEWLINE ? 0x6e : c === 0 ? 0x30 : BACKSLASH;
      } else b[n++] = c;
    }
    this.n = n;
  }

  private byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  private room(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + extra));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }
}
