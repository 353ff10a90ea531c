import type { ColumnInfo, TypeFamily } from '../../src/introspect/types.js';

/** A ColumnInfo for pure tests, with the fields a family usually has. */
export function column(
  name: string,
  family: TypeFamily,
  more: Partial<ColumnInfo> = {},
): ColumnInfo {
  const text = family === 'text' || family === 'enum' || family === 'set';
  return {
    name,
    ordinal: 1,
    dataType: family === 'integer' ? 'int' : family === 'text' ? 'varchar' : family,
    columnType: family === 'integer' ? 'int(11)' : family,
    family,
    nullable: false,
    unsigned: false,
    charset: text ? 'utf8mb4' : null,
    collation: text ? 'utf8mb4_general_ci' : null,
    generated: null,
    autoIncrement: false,
    onUpdate: false,
    numericPrecision: family === 'integer' ? 10 : null,
    numericScale: family === 'integer' ? 0 : null,
    ...more,
  };
}
