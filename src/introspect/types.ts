/**
 * What introspection knows about a schema. Plain data: built from information_schema by
 * `introspect.ts`, consumed by every later stage.
 */

/** How a column's value is canonicalised and compared (DESIGN.md §5). */
export type TypeFamily =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'temporal'
  | 'text'
  | 'binary'
  | 'bit'
  | 'enum'
  | 'set'
  | 'json'
  | 'geometry';

export interface ColumnInfo {
  readonly name: string;
  readonly ordinal: number;
  /** information_schema DATA_TYPE, lower case: int, varchar, longtext, json, ... */
  readonly dataType: string;
  /** information_schema COLUMN_TYPE: int(10) unsigned, decimal(12,2), enum('a','b'), ... */
  readonly columnType: string;
  readonly family: TypeFamily;
  readonly nullable: boolean;
  readonly unsigned: boolean;
  readonly charset: string | null;
  readonly collation: string | null;
  /** A generated column is compared but never written. */
  readonly generated: 'virtual' | 'stored' | null;
  readonly autoIncrement: boolean;
  /** `ON UPDATE CURRENT_TIMESTAMP`: writes must give the value explicitly. */
  readonly onUpdate: boolean;
  readonly numericPrecision: number | null;
  readonly numericScale: number | null;
}

export interface IndexInfo {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
  /** Some column of the index allows NULL (a unique key then allows duplicates of NULL). */
  readonly nullable: boolean;
  /** A prefix index (`KEY (name(10))`) identifies nothing: never used as a row identity. */
  readonly prefix: boolean;
}

export interface ForeignKeyInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
}

export interface TriggerInfo {
  readonly name: string;
  /** INSERT | UPDATE | DELETE */
  readonly event: string;
  /** BEFORE | AFTER */
  readonly timing: string;
  readonly statement: string;
}

/** How rows are identified: by the primary key, a NOT NULL unique key, or not at all. */
export type RowIdentity =
  | { readonly kind: 'primary'; readonly columns: readonly string[] }
  | { readonly kind: 'unique'; readonly index: string; readonly columns: readonly string[] }
  | { readonly kind: 'none' };

export interface TableInfo {
  readonly name: string;
  /** In ordinal order. */
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[] | null;
  readonly uniqueKeys: readonly IndexInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  readonly identity: RowIdentity;
  readonly autoIncrement: string | null;
  readonly triggers: readonly TriggerInfo[];
  readonly engine: string | null;
  /** information_schema's estimate, for sizing chunks; not a count. */
  readonly rowsEstimate: number;
  readonly avgRowLength: number;
}

export interface SchemaInfo {
  readonly schema: string;
  /** Base tables by name (views are ignored). */
  readonly tables: ReadonlyMap<string, TableInfo>;
}
