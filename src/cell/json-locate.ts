/**
 * Finds the value a JSON path names inside a document's text, and replaces it there, leaving
 * every other byte of the document as it was (spaces, key order, `2.50`): how an id inside a
 * JSON column follows a remap without the document being re-serialised. Pure; a document that
 * does not parse, or a path that names nothing, gives null (nothing to rewrite).
 */
import type { JsonPathStep } from '../config/json-path.js';

/** [start, end) of the value at `steps`, in UTF-16 units of `text`, or null. */
export function locateJson(text: string, steps: readonly JsonPathStep[]): [number, number] | null {
  try {
    return new Scanner(text).find(steps);
  } catch (e) {
    if (e instanceof BadJson) return null;
    throw e;
  }
}

/** The integer at `steps` (as its digits), or null when the value there is not an integer. */
export function jsonIntegerAt(text: string, steps: readonly JsonPathStep[]): string | null {
  const at = locateJson(text, steps);
  if (!at) return null;
  const v = text.slice(at[0], at[1]);
  return /^-?(0|[1-9]\d*)$/.test(v) ? v : null;
}

/** `text` with the value at [start, end) replaced by `value` (JSON text, e.g. digits). */
export function replaceJsonAt(text: string, at: readonly [number, number], value: string): string {
  return `${text.slice(0, at[0])}${value}${text.slice(at[1])}`;
}

class BadJson extends Error {}

/** A minimal JSON scanner: enough to skip values and to walk members and indexes. */
class Scanner {
  private i = 0;
  constructor(private readonly t: string) {}

  find(steps: readonly JsonPathStep[]): [number, number] | null {
    this.ws();
    for (const step of steps) {
      const c = this.t[this.i];
      if (step.kind === 'member' ? c !== '{' : c !== '[') return null;
      if (!(step.kind === 'member' ? this.enterMember(step.name) : this.enterIndex(step.index)))
        return null;
    }
    const start = this.i;
    this.value();
    return [start, this.i];
  }

  /**
   * At `{`: moves to the value of member `name`. A document that holds the member twice is
   * refused (BadJson): MariaDB reads the first, MySQL keeps the last, so no rewrite could mean
   * what both servers read.
   */
  private enterMember(name: string): boolean {
    this.i++;
    let found = -1;
    this.ws();
    if (this.t[this.i] === '}') return false;
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(':');
      this.ws();
      if (key === name) {
        if (found >= 0) throw new BadJson();
        found = this.i;
      }
      this.value();
      this.ws();
      if (this.t[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect('}');
      break;
    }
    if (found < 0) return false;
    this.i = found;
    return true;
  }

  /** At `[`: moves to element `index`. */
  private enterIndex(index: number): boolean {
    this.i++;
    this.ws();
    if (this.t[this.i] === ']') return false;
    for (let n = 0; ; n++) {
      this.ws();
      if (n === index) return true;
      this.value();
      this.ws();
      if (this.t[this.i] !== ',') return false;
      this.i++;
    }
  }

  private value(): void {
    const c = this.t[this.i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.ws();
      if (this.t[this.i] === close) {
        this.i++;
        return;
      }
      for (;;) {
        this.ws();
        if (c === '{') {
          this.string();
          this.ws();
          this.expect(':');
          this.ws();
        }
        this.value();
        this.ws();
        if (this.t[this.i] === ',') {
          this.i++;
          continue;
        }
        this.expect(close);
        return;
      }
    }
    if (c === '"') {
      this.string();
      return;
    }
    const m = /^(-?\d[\d.eE+-]*|true|false|null)/.exec(this.t.slice(this.i, this.i + 400));
    if (!m) throw new BadJson();
    this.i += m[0].length;
  }

  private string(): string {
    this.expect('"');
    const start = this.i - 1;
    while (this.i < this.t.length) {
      const c = this.t[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') {
        this.i++;
        try {
          const text: unknown = JSON.parse(this.t.slice(start, this.i));
          if (typeof text === 'string') return text;
        } catch {
          // falls through to the same refusal
        }
        throw new BadJson();
      } else this.i++;
    }
    throw new BadJson();
  }

  private expect(c: string): void {
    if (this.t[this.i] !== c) throw new BadJson();
    this.i++;
  }

  private ws(): void {
    while (this.i < this.t.length && /[ \t\n\r]/.test(this.t[this.i] ?? '')) this.i++;
  }
}
