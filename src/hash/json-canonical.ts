/**
 * Canonical JSON text: object keys sorted, no whitespace, strings re-escaped the one way
 * JSON.stringify does, numbers normalised without ever losing an integer's digits. MySQL's
 * binary JSON (printed with its own spacing and key order) and MariaDB's JSON text (kept as
 * typed) give the same canonical text for the same document.
 *
 * Why not JSON.parse + a stable stringify: JSON.parse turns 12345678901234567890 into a double
 * and loses it; integers beyond 2^53 must survive (DESIGN.md §5).
 */

export class JsonSyntaxError extends Error {}

export function canonicalJson(text: string): string {
  const p = new Parser(text);
  p.ws();
  const out = p.value();
  p.ws();
  if (p.i !== text.length) p.fail('trailing characters');
  return out;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON at ${this.i}: ${what}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(): string {
    const c = this.s[this.i];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return JSON.stringify(this.string());
      case 't':
        return this.literal('true');
      case 'f':
        return this.literal('false');
      case 'n':
        return this.literal('null');
      default:
        return this.number();
    }
  }

  literal(word: string): string {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return word;
    }
    return this.fail(`expected ${word}`);
  }

  number(): string {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) return this.fail('expected a value');
    this.i += m[0].length;
    return canonicalNumber(m[0], m[1] !== undefined || m[2] !== undefined);
  }

  string(): string {
    // The JSON grammar for strings is JSON.parse's; let it decode the escapes.
    const s = this.s;
    const start = this.i;
    this.i++;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        try {
          const text: unknown = JSON.parse(s.slice(start, this.i));
          if (typeof text === 'string') return text;
        } catch {
          // falls through to the same refusal
        }
        return this.fail('bad string');
      }
      this.i += c === 0x5c ? 2 : 1;
    }
    return this.fail('unterminated string');
  }

  array(): string {
    this.i++;
    this.ws();
    const items: string[] = [];
    if (this.s[this.i] === ']') {
      this.i++;
      return '[]';
    }
    for (;;) {
      this.ws();
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return `[${items.join(',')}]`;
      if (c !== ',') this.fail('expected , or ]');
    }
  }

  object(): string {
    this.i++;
    this.ws();
    const entries = new Map<string, string>();
    if (this.s[this.i] === '}') {
      this.i++;
      return '{}';
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail('expected :');
      this.ws();
      // A repeated key keeps its last value, as JSON.parse and MySQL do.
      entries.delete(key);
      entries.set(key, this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected , or }');
    }
    const keys = [...entries.keys()].sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${entries.get(k)}`).join(',')}}`;
  }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Integers that fit a 64-bit integer keep every digit (MySQL stores them as int64 or uint64).
 * Other numbers go through a double (what both servers store them as: MySQL also turns a wider
 * integer into a double) and print in JavaScript's shortest round-trip form, so 1.50, 1.5 and
 * 15e-1 agree, and so do 123456789012345678901234567890 and 1.2345678901234568e29.
 */
function canonicalNumber(lexeme: string, fractional: boolean): string {
  if (!fractional) {
    const big = BigInt(lexeme);
    if (big >= INT64_MIN && big <= UINT64_MAX) return big.toString();
  }
  const n = Number(lexeme);
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) return String(n === 0 ? 0 : n);
  return String(n);
}
