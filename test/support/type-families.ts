import type { TypeFamily } from '../../src/introspect/types.js';

/** Every column type family, for tests that go over all of them. */
export const TYPE_FAMILIES: readonly TypeFamily[] = [
  'integer',
  'decimal',
  'float',
  'temporal',
  'text',
  'binary',
  'bit',
  'enum',
  'set',
  'json',
  'geometry',
];
