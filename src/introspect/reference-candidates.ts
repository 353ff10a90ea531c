import { columnKey, compareNames } from './compare.js';
import { matchReferenceName, type NameRule, snakeName } from './naming.js';
import type { ColumnInfo, SchemaInfo, TableInfo } from './types.js';

/**
 * A column (or columns) that looks like a reference to another table's key, found from names
 * and types alone. Whether the values agree is measured separately (inclusion-sql.ts): this is
 * the pure half, usable wherever a SchemaInfo is at hand (init proposes them; plan can warn about
 * undeclared ones of a table it remaps).
 */
export interface ReferenceCandidate {
  /** the referencing (child) table */
  readonly table: string;
  /** the child's columns, in the order of the parent's key columns */
  readonly columns: readonly string[];
  readonly parent: string;
  /** the parent's key: its primary key, else the unique key that identifies its rows */
  readonly parentColumns: readonly string[];
  /** `declared`: a foreign key of the schema; otherwise the name rule that matched */
  readonly rule: NameRule | 'composite' | 'declared';
  /** the declared foreign key's name, when `rule` is `declared` */
  readonly constraint: string | null;
}

export interface CandidateOptions {
  /** only candidates whose child is one of these tables (parents may be any table) */
  readonly tables?: readonly string[];
}

/** The columns that identify a parent's rows: the primary key, else the identity unique key. */
export function parentKey(t: TableInfo): readonly string[] | null {
  if (t.identity.kind === 'none') return null;
  return t.identity.columns;
}

function column(t: TableInfo, name: string): ColumnInfo | undefined {
  const k = columnKey(name);
  return t.columns.find((c) => columnKey(c.name) === k);
}

/**
 * Whether values of `child` can be values of `key`: the same comparison family (integers with
 * integers of any width or sign, strings with strings, bytes with bytes). A reference never
 * crosses families, and generated columns are never written, so they never follow a remap.
 */
export function typesCompatible(child: ColumnInfo, key: ColumnInfo): boolean {
  if (child.generated !== null) return false;
  const refFamilies = ['integer', 'text', 'binary'];
  return child.family === key.family && refFamilies.includes(child.family);
}

/**
 * Every reference candidate of a schema: its declared foreign keys (rule `declared`), then, for
 * columns no declared key covers, the columns whose name points at a single-column key of
 * another table (or of the same table: `parent_id`) with a compatible type, and the column
 * sets that repeat a composite key of another table by name (rule `composite`). Sorted by
 * child table, columns and parent.
 */
export function findReferenceCandidates(
  schema: SchemaInfo,
  options: CandidateOptions = {},
): ReferenceCandidate[] {
  const only = options.tables ? new Set(options.tables) : null;
  const tables = [...schema.tables.values()].sort((a, b) => compareNames(a.name, b.name));
  const out: ReferenceCandidate[] = [];
  for (const child of tables) {
    if (only && !only.has(child.name)) continue;
    const declared = declaredCandidates(schema, child);
    out.push(...declared);
    const covered = new Set(declared.map((d) => coverKey(d.columns, d.parent)));
    for (const parent of tables) {
      for (const c of nameCandidates(child, parent)) {
        if (!covered.has(coverKey(c.columns, c.parent))) out.push(c);
      }
    }
  }
  return out.sort(
    (a, b) =>
      compareNames(a.table, b.table) ||
      compareNames(a.columns.join(','), b.columns.join(',')) ||
      compareNames(a.parent, b.parent),
  );
}

function coverKey(columns: readonly string[], parent: string): string {
  return `${[...columns].map(columnKey).sort().join('\u0000')}\u0001${parent}`;
}

/** The child's declared foreign keys into its own schema. */
function declaredCandidates(schema: SchemaInfo, child: TableInfo): ReferenceCandidate[] {
  return child.foreignKeys
    .filter((fk) => fk.refSchema === schema.schema && schema.tables.has(fk.refTable))
    .map((fk) => ({
      table: child.name,
      columns: fk.columns,
      parent: fk.refTable,
      parentColumns: fk.refColumns,
      rule: 'declared' as const,
      constraint: fk.name,
    }));
}

/** Candidates from `child` into `parent`'s key, by name and type. */
function nameCandidates(child: TableInfo, parent: TableInfo): ReferenceCandidate[] {
  const key = parentKey(parent);
  if (key === null) return [];
  const defined: ColumnInfo[] = [];
  for (const k of key) {
    const c = column(parent, k);
    if (c === undefined) return [];
    defined.push(c);
  }
  const ownKey = parentKey(child);
  const isOwnWholeKey = (c: ColumnInfo): boolean =>
    ownKey !== null && ownKey.length === 1 && columnKey(ownKey[0] ?? '') === columnKey(c.name);
  const out: ReferenceCandidate[] = [];
  const single = defined.length === 1 ? defined[0] : undefined;
  if (single) {
    for (const c of child.columns) {
      if (child.name === parent.name && columnKey(c.name) === columnKey(single.name)) continue;
      const rule = matchReferenceName(c.name, child.name, parent.name, single.name);
      if (rule === null || !typesCompatible(c, single)) continue;
      // A table's own key named after itself (film.film_id) is its identity, not a reference
      // to another table that happens to use the same key name (film_text.film_id).
      if (rule === 'key-name' && isOwnWholeKey(c)) continue;
      out.push({
        table: child.name,
        columns: [c.name],
        parent: parent.name,
        parentColumns: [single.name],
        rule,
        constraint: null,
      });
    }
    return out;
  }
  if (child.name === parent.name) return out;
  // A composite key repeated by name in another table: (emp_no, from_date) → salaries.
  const cols: ColumnInfo[] = [];
  for (const k of defined) {
    const c = child.columns.find((x) => snakeName(x.name) === snakeName(k.name));
    if (c === undefined || !typesCompatibleOrSame(c, k)) return out;
    cols.push(c);
  }
  out.push({
    table: child.name,
    columns: cols.map((c) => c.name),
    parent: parent.name,
    parentColumns: defined.map((k) => k.name),
    rule: 'composite',
    constraint: null,
  });
  return out;
}

/** In a composite key, a date or time part references as well as an id part does. */
function typesCompatibleOrSame(c: ColumnInfo, k: ColumnInfo): boolean {
  return typesCompatible(c, k) || (c.family === k.family && c.generated === null);
}

/**
 * The candidates a config has not settled: single-column name candidates whose column neither
 * a declared foreign key (any side's, in `candidates` as `declared`) nor one of `configured`
 * (the config's `references` of that table: `{ column }`) already sends somewhere. What plan
 * can warn about for a table whose parent it remaps; composite candidates are left out
 * (`references` cannot express them).
 */
export function unsettledCandidates(
  candidates: readonly ReferenceCandidate[],
  configured: (table: string) => readonly { readonly column: string }[],
): ReferenceCandidate[] {
  const settled = new Set<string>();
  for (const c of candidates) {
    if (c.rule === 'declared')
      for (const col of c.columns) settled.add(`${c.table}\u0000${columnKey(col)}`);
  }
  const isSettled = (c: ReferenceCandidate): boolean =>
    c.columns.some((col) => settled.has(`${c.table}\u0000${columnKey(col)}`)) ||
    configured(c.table).some((r) => columnKey(r.column) === columnKey(c.columns[0] ?? ''));
  return candidates.filter((c) => c.rule !== 'declared' && c.rule !== 'composite' && !isSettled(c));
}
