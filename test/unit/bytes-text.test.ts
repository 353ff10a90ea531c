import { describe, expect, it } from 'vitest';
import { bytesLiteral } from '../../src/cell/bytes-text.js';
import { keyText } from '../../src/diff/render-text.js';
import { bytesAsText, cellText, keyText as reportKeyText } from '../../src/report/escape.js';

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('bytes shown as a DBA pastes them', () => {
  it("printable ASCII in a byte string is the literal _binary'…'; anything else stays hex", () => {
    expect(bytesLiteral(hex('SKU-42'), true)).toBe("_binary'SKU-42'");
    expect(bytesLiteral(hex("O'Br\\en"), true)).toBe("_binary'O''Br\\\\en'");
    expect(bytesLiteral('00ff41', true)).toBe('0x00ff41');
    expect(bytesLiteral(hex('tab\there'), true)).toBe(`0x${hex('tab\there')}`);
    expect(bytesLiteral(hex('é'), true)).toBe('0xe9');
    // BIT compares with a string as a number: hex only.
    expect(bytesLiteral(hex('AB'), false)).toBe('0x4142');
    // The empty byte string: a literal that parses (a bare 0x does not).
    expect(bytesLiteral('', true)).toBe("_binary''");
    expect(bytesLiteral('', false)).toBe("X''");
    expect(bytesLiteral(hex('abcdef'), true, 3)).toBe("_binary'abc…' (6 bytes)");
    expect(bytesLiteral('00010203', true, 4)).toBe('0x0001… (4 bytes)');
  });

  it("diff's text: a binary key as text, a BIT key and unprintable bytes as hex", () => {
    expect(keyText({ code: { hex: hex('b1') }, id: '7' })).toBe("(code=_binary'b1', id=7)");
    expect(keyText({ flags: { hex: '4142' } }, ['flags'])).toBe('flags=0x4142');
    expect(keyText({ uuid: { hex: '0011223344556677' } })).toBe('uuid=0x0011223344556677');
  });

  it("the report's cells and keys: text for a plan's byte columns, hex for BIT and for older plans", () => {
    const asText = bytesAsText({ bitColumns: ['flags'] });
    expect(reportKeyText({ code: { hex: hex('b1') }, flags: { hex: '4142' } }, asText)).toBe(
      "code=_binary'b1', flags=0x4142",
    );
    expect(cellText({ hex: hex('abc') }, 80, asText('code'))).toBe("_binary'abc'");
    // A plan made before bitColumns was recorded cannot tell BIT from bytes: hex.
    const old = bytesAsText({});
    expect(reportKeyText({ code: { hex: hex('b1') } }, old)).toBe('code=0x6231');
  });
});
