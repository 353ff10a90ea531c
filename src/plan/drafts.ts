import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { JsonlWriter } from '../diff/jsonl-writer.js';
import type { RowAction } from './format.js';
import type { Draft } from './materialize.js';

/** The sections of a table's actions file, in the order they run. */
export const SECTIONS = ['delete', 'update', 'insert', 'unresolved'] as const;
export type Section = (typeof SECTIONS)[number];

/** A draft action with where it is: `${section}:${line}`, stable between reads. */
export interface PlacedDraft extends Draft {
  readonly id: string;
}

interface DraftLine {
  readonly a: RowAction;
  readonly w: Draft['world'];
  readonly p: boolean;
  readonly o: Draft['origKey'];
  readonly m?: true;
}

/**
 * A table's actions as first decided, one file per section, on disk: the unique-key check and
 * the final ordering read them back instead of holding the table's actions in memory.
 */
export class DraftFiles {
  private readonly writers: Record<Section, JsonlWriter>;
  readonly lines: Record<Section, number> = { delete: 0, update: 0, insert: 0, unresolved: 0 };
  /** drafts whose key changed with a merged parent's (Draft.keyMerged): none, nothing to check */
  keyMerged = 0;

  constructor(
    readonly dir: string,
    readonly prefix: string,
  ) {
    this.writers = {
      delete: new JsonlWriter(this.path('delete')),
      update: new JsonlWriter(this.path('update')),
      insert: new JsonlWriter(this.path('insert')),
      unresolved: new JsonlWriter(this.path('unresolved')),
    };
  }

  path(s: Section): string {
    return join(this.dir, `${this.prefix}.${s}.jsonl`);
  }

  async write(d: Draft, times = 1): Promise<void> {
    const line: DraftLine = {
      a: d.action,
      w: d.world,
      p: d.pure,
      o: d.origKey,
      ...(d.keyMerged ? { m: true as const } : {}),
    };
    if (d.keyMerged) this.keyMerged += times;
    for (let n = 0; n < times; n++) {
      await this.writers[d.action.op].write(line);
      this.lines[d.action.op]++;
    }
  }

  async close(): Promise<void> {
    await Promise.all(SECTIONS.map((s) => this.writers[s].close()));
  }

  /** Streams the drafts of some sections, in section then line order. */
  async *read(sections: readonly Section[]): AsyncGenerator<PlacedDraft> {
    for (const s of sections) {
      if (this.lines[s] === 0) continue;
      let n = 0;
      for await (const text of lines(this.path(s))) {
        const l = JSON.parse(text) as DraftLine;
        yield {
          id: `${s}:${n++}`,
          action: l.a,
          world: l.w,
          pure: l.p,
          origKey: l.o,
          keyMerged: l.m === true,
        };
      }
    }
  }
}

/**
 * The non-empty lines of a file written by JsonlWriter, read 64 KiB at a time (JSON text
 * holds no raw line break; the decoder keeps a character cut between two reads whole).
 */
async function* lines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = chunk as string;
    const end = text.lastIndexOf('\n');
    // A line longer than a read (a large BLOB's row) is gathered, not split again at every read.
    if (end < 0) {
      rest += text;
      continue;
    }
    for (const p of (rest + text.slice(0, end)).split('\n')) if (p.length > 0) yield p;
    rest = text.slice(end + 1);
  }
  if (rest.length > 0) yield rest;
}
