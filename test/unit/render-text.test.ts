import { describe, expect, it } from 'vitest';
import { keyText } from '../../src/diff/render-text.js';

describe('keyText', () => {
  it('prints keys as SQL literals: numbers bare, text quoted, bytes in hex, NULL', () => {
    expect(keyText({ id: '42' })).toBe('id=42');
    expect(keyText({ a: '-1.50', b: 'x', c: null, d: { hex: '00ff' } })).toBe(
      "(a=-1.50, b='x', c=NULL, d=0x00ff)",
    );
  });

  it('escapes quotes and line breaks, so a key reads back as one literal on one line', () => {
    expect(keyText({ name: "O'Brien" })).toBe("name='O''Brien'");
    expect(keyText({ note: 'a\nb\\c' })).toBe("note='a\\nb\\\\c'");
    expect(keyText({ n: '12' })).not.toBe(keyText({ n: "'12'" }));
  });
});
