/**
 * Naming rules that make a column look like a reference or a time stamp. Pure: names in,
 * verdicts out. Names are compared in snake case, lower case (`CountryCode` is `country_code`),
 * since MySQL and MariaDB compare column names ignoring case and schemas mix both styles.
 */

/** `CountryCode` → `country_code`, `customerID` → `customer_id`, `Order-Items` → `order_items`. */
export function snakeName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

const IRREGULAR: Readonly<Record<string, string>> = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  mice: 'mouse',
  geese: 'goose',
  teeth: 'tooth',
  feet: 'foot',
};

/** English singular of a (snake, lower-case) word or of the last word of a name. */
export function singular(name: string): string {
  const cut = name.lastIndexOf('_');
  const head = cut < 0 ? '' : name.slice(0, cut + 1);
  const w = name.slice(cut + 1);
  const irregular = IRREGULAR[w];
  if (irregular !== undefined) return head + irregular;
  if (w.length > 3 && w.endsWith('ies')) return `${head}${w.slice(0, -3)}y`;
  if (/(ss|x|ch|sh|z|us)es$/.test(w)) return head + w.slice(0, -2);
  if (w.length > 1 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) return head + w.slice(0, -1);
  return name;
}

/** English plural of a (snake, lower-case) word or of the last word of a name. */
export function plural(name: string): string {
  const cut = name.lastIndexOf('_');
  const head = cut < 0 ? '' : name.slice(0, cut + 1);
  const w = name.slice(cut + 1);
  const irregular = Object.entries(IRREGULAR).find(([, one]) => one === w)?.[0];
  if (irregular !== undefined) return head + irregular;
  if (/[^aeiou]y$/.test(w)) return `${head}${w.slice(0, -1)}ies`;
  if (/(s|x|ch|sh|z)$/.test(w)) return `${head}${w}es`;
  return `${head}${w}s`;
}

/**
 * The spellings a reference may use for a table: itself, its singular and its plural. A plural
 * in `-uses` is read both ways, since English has both: `statuses` → `status`, but
 * `warehouses` → `warehouse`.
 */
export function tableForms(table: string): readonly string[] {
  const t = snakeName(table);
  const alsoUse = t.endsWith('uses') ? [t.slice(0, -1)] : [];
  return [...new Set([t, singular(t), ...alsoUse, plural(t)])];
}

/**
 * Key column names too generic to say which table they belong to: a column named `id` or
 * `code` in one table says nothing about another table's `id` or `code`.
 */
const GENERIC_KEYS = new Set([
  'id',
  'code',
  'name',
  'no',
  'num',
  'number',
  'uuid',
  'guid',
  'key',
  'pk',
  'slug',
]);

export function isGenericKeyName(column: string): boolean {
  return GENERIC_KEYS.has(snakeName(column));
}

/**
 * How a column's name points at a parent's key column, strongest first:
 * - `table-key`: the table's name and the key's (`customer_id` → customer.id, `CountryCode` →
 *   country.Code, `customer_id` → customer.customer_id);
 * - `self`: `parent_id` (or `parent_<key>`) in the table that owns the key;
 * - `key-name`: the key's own name, which does not name its table (`emp_no` → employees.emp_no);
 * - `role`: one of the above after a role word (`original_language_id`, `manager_staff_id`).
 */
export type NameRule = 'table-key' | 'self' | 'key-name' | 'role';

export const NAME_RULE_TEXT: Readonly<Record<NameRule, string>> = {
  'table-key': 'named after the table and its key',
  self: 'parent column of the table that owns the key',
  'key-name': "the key's own name",
  role: 'the key after a role word',
};

/**
 * Whether the name of `column` (in `childTable`) points at the single key column `key` of
 * `parentTable`, and by which rule; null when it does not.
 */
export function matchReferenceName(
  column: string,
  childTable: string,
  parentTable: string,
  key: string,
): NameRule | null {
  const col = snakeName(column);
  const k = snakeName(key);
  const forms = tableForms(parentTable);
  const selfRef = snakeName(childTable) === snakeName(parentTable);
  if (selfRef && (col === 'parent_id' || col === `parent_${k}` || col === 'parent')) return 'self';
  // The exact spellings that name the parent, then the same after a role word.
  const direct = forms.map((f) => `${f}_${k}`);
  const keyNamesTable = forms.some((f) => k === `${f}_id` || k.startsWith(`${f}_`));
  if (!selfRef && direct.includes(col)) return 'table-key';
  if (!selfRef && col === k && !isGenericKeyName(k))
    return keyNamesTable ? 'table-key' : 'key-name';
  const roleTargets = isGenericKeyName(k) ? direct : [...direct, k];
  if (roleTargets.some((t) => col.endsWith(`_${t}`) && col.length > t.length + 1)) return 'role';
  return null;
}

/** How strongly a rule names a parent: higher wins when several parents match one column. */
export function ruleRank(rule: NameRule): number {
  return rule === 'table-key' || rule === 'self' ? 2 : 1;
}
