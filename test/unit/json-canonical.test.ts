import fc from 'fast-check';
import stableStringify from 'fast-json-stable-stringify';
import { describe, expect, it } from 'vitest';
import { canonicalJson, JsonSyntaxError } from '../../src/hash/json-canonical.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson('{ "b" : 1, "a" : { "d": [1, {"z":0, "y":1}], "c": null } }')).toBe(
      '{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}',
    );
    expect(canonicalJson(' \n\t[ ]\r\n')).toBe('[]');
    expect(canonicalJson('{}')).toBe('{}');
  });

  it('gives MySQL and MariaDB spellings of one document the same text', () => {
    // MySQL prints binary JSON as {"a": 1, "b": [true, false]}; MariaDB keeps the text as typed.
    const mysql = '{"a": 1, "b": [true, false], "k": "x"}';
    const mariadb = '{"k":"x",   "b":[true,false],"a":1}';
    expect(canonicalJson(mysql)).toBe(canonicalJson(mariadb));
  });

  it('sorts keys by UTF-16 code units, the same on every run', () => {
    expect(canonicalJson('{"é":1,"z":2,"A":3,"a":4,"😀":5}')).toBe(
      '{"A":3,"a":4,"z":2,"é":1,"😀":5}',
    );
  });

  it('keeps the last value of a repeated key', () => {
    expect(canonicalJson('{"a":1,"b":2,"a":3}')).toBe('{"a":3,"b":2}');
  });

  it('re-escapes strings one way', () => {
    expect(canonicalJson('"\\u00e9\\/\\t"')).toBe(canonicalJson('"é/\\t"'));
    expect(canonicalJson('"\\u00e9\\/\\t"')).toBe('"é/\\t"');
    expect(canonicalJson('"a\\"b\\\\c\\n"')).toBe('"a\\"b\\\\c\\n"');
    expect(canonicalJson('"\\ud83d\\ude00"')).toBe('"😀"');
    expect(canonicalJson('{"\\u0061":1}')).toBe('{"a":1}');
  });

  it('keeps every digit of integers beyond 2^53', () => {
    expect(canonicalJson('12345678901234567890')).toBe('12345678901234567890');
    expect(canonicalJson('[9007199254740993, -9223372036854775808]')).toBe(
      '[9007199254740993,-9223372036854775808]',
    );
    expect(canonicalJson('{"id": 18446744073709551615}')).toBe('{"id":18446744073709551615}');
    expect(canonicalJson('9007199254740993')).not.toBe(canonicalJson('9007199254740992'));
  });

  it('normalises equal non-integers: 1.5, 1.50 and 15e-1 agree', () => {
    const one = canonicalJson('1.5');
    expect(canonicalJson('1.50')).toBe(one);
    expect(canonicalJson('15e-1')).toBe(one);
    expect(canonicalJson('0.15E+1')).toBe(one);
    expect(canonicalJson('1.0')).toBe(canonicalJson('1'));
    expect(canonicalJson('-0.0')).toBe(canonicalJson('0'));
    expect(canonicalJson('-0')).toBe('0');
    expect(canonicalJson('1.5')).not.toBe(canonicalJson('1.51'));
    expect(canonicalJson('1e2')).toBe('100');
  });

  it('reads integers beyond 64 bits as doubles, as MySQL stores them', () => {
    // MySQL keeps an integer that fits neither int64 nor uint64 as a double and prints it in
    // exponent form; MariaDB keeps the digits as typed. Both must canonicalise the same.
    expect(canonicalJson('123456789012345678901234567890')).toBe(
      canonicalJson('1.2345678901234568e29'),
    );
    expect(canonicalJson('-9223372036854775809')).toBe(canonicalJson('-9.223372036854776e18'));
    expect(canonicalJson('18446744073709551616')).toBe(canonicalJson('1.8446744073709552e19'));
  });

  it('rejects what is not JSON', () => {
    for (const bad of [
      '',
      '{',
      '{"a" 1}',
      '{a:1}',
      '[1,]',
      '[1 2]',
      '01',
      '+1',
      '1.',
      '.5',
      'nul',
      'True',
      '"abc',
      '"\\x"',
      '{"a":1}x',
      '{"a":1,}',
      "'a'",
    ]) {
      expect(() => canonicalJson(bad), bad).toThrow(JsonSyntaxError);
    }
  });

  it('is what fast-json-stable-stringify gives, for documents without big numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 0, max: 3 }), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const expected = stableStringify(JSON.parse(text));
        expect(canonicalJson(text)).toBe(expected);
        expect(canonicalJson(expected)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
