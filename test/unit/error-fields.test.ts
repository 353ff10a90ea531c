import { describe, expect, it } from 'vitest';
import { driverErrorFields } from '../../src/db/connect-errors.js';
import { errnoCode } from '../../src/errno.js';

describe('error fields read without trusting their shape', () => {
  it('errnoCode: a system call error code, else undefined', () => {
    const e = Object.assign(new Error('no such file'), { code: 'ENOENT', errno: -2 });
    expect(errnoCode(e)).toBe('ENOENT');
    expect(errnoCode({ code: 'EACCES' })).toBe('EACCES');
    for (const x of [null, undefined, 'ENOENT', 42, new Error('plain'), { code: 13 }]) {
      expect(errnoCode(x)).toBeUndefined();
    }
  });

  it('driverErrorFields: the string fields and a numeric errno, each absent when not one', () => {
    const e = Object.assign(new Error('Duplicate entry'), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlMessage: "Duplicate entry '1' for key 'PRIMARY'",
    });
    expect(driverErrorFields(e)).toEqual({
      code: 'ER_DUP_ENTRY',
      message: 'Duplicate entry',
      sqlMessage: "Duplicate entry '1' for key 'PRIMARY'",
      errno: 1062,
    });
    const none = { code: undefined, message: undefined, sqlMessage: undefined, errno: undefined };
    expect(driverErrorFields(null)).toEqual(none);
    expect(driverErrorFields('boom')).toEqual(none);
    expect(driverErrorFields({ code: 1, message: {}, errno: '1062' })).toEqual(none);
  });
});
