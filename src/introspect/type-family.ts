import type { TypeFamily } from './types.js';

const FAMILIES: Record<string, TypeFamily> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  date: 'temporal',
  datetime: 'temporal',
  timestamp: 'temporal',
  time: 'temporal',
  year: 'temporal',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  bit: 'bit',
  enum: 'enum',
  set: 'set',
  json: 'json',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
  geomcollection: 'geometry',
  inet4: 'text',
  inet6: 'text',
  uuid: 'text',
};

/**
 * The canonicalisation family of a column. `jsonChecked` is MariaDB's JSON: a LONGTEXT with a
 * `json_valid()` check, which must compare as JSON against MySQL's binary JSON.
 */
export function typeFamily(
  dataType: string,
  charset: string | null,
  jsonChecked: boolean,
): TypeFamily {
  const t = dataType.toLowerCase();
  if (jsonChecked && (t === 'longtext' || t === 'text' || t === 'mediumtext' || t === 'json')) {
    return 'json';
  }
  const f = FAMILIES[t];
  if (f === undefined) return charset && charset !== 'binary' ? 'text' : 'binary';
  // CHAR/VARCHAR/TEXT declared with the binary charset hold bytes, not text.
  if (f === 'text' && charset === 'binary') return 'binary';
  return f;
}
