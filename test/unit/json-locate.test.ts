import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonIntegerAt, locateJson, replaceJsonAt } from '../../src/cell/json-locate.js';
import type { JsonPathStep } from '../../src/config/json-path.js';

const m = (name: string): JsonPathStep => ({ kind: 'member', name });
const ix = (index: number): JsonPathStep => ({ kind: 'index', index });

describe('locating a value in a JSON document by path', () => {
  it('finds members and indexes, and edits one value leaving every other byte as it was', () => {
    const doc = '{ "x" : [1, 2.50],\n  "merchant_id":43 , "buyer": {"id" : 7, "n": "a\\"b"} }';
    expect(jsonIntegerAt(doc, [m('merchant_id')])).toBe('43');
    expect(jsonIntegerAt(doc, [m('buyer'), m('id')])).toBe('7');
    expect(jsonIntegerAt(doc, [m('x'), ix(1)])).toBeNull(); // 2.50 is no integer
    const at = locateJson(doc, [m('merchant_id')]);
    if (!at) throw new Error('not found');
    expect(replaceJsonAt(doc, at, '1001')).toBe(doc.replace('":43 ', '":1001 '));
  });

  it('names nothing where the path leaves the document, and refuses what it cannot read', () => {
    expect(locateJson('{"a": 1}', [m('b')])).toBeNull();
    expect(locateJson('[1, 2]', [m('a')])).toBeNull();
    expect(locateJson('[1, 2]', [ix(2)])).toBeNull();
    expect(locateJson('{"a": 1', [m('a')])).toBeNull();
    expect(locateJson('{"a": 1, "a": 2}', [m('a')])).toBeNull(); // MariaDB and MySQL differ
    expect(jsonIntegerAt('{"a": "43"}', [m('a')])).toBeNull();
    expect(jsonIntegerAt('{"é\\u00e9": 5}', [m('éé')])).toBe('5');
  });

  it('finds what JSON.parse finds, in any layout (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { minKeys: 1, maxKeys: 6 }),
        fc.nat(),
        fc.constantFrom('', ' ', '\n  '),
        (obj, pick, space) => {
          const keys = Object.keys(obj);
          const key = keys[pick % keys.length] ?? '';
          const doc = JSON.stringify({ wrap: obj }, null, space || undefined);
          expect(jsonIntegerAt(doc, [m('wrap'), m(key)])).toBe(String(obj[key]));
        },
      ),
    );
  });
});
