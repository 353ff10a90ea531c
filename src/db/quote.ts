/**
 * The one identifier-quoting function. Every schema, table, column and index name that reaches
 * SQL goes through it; values never do (they go as placeholders).
 * A table named "a`b; DROP TABLE c" becomes `a``b; DROP TABLE c`.
 */
export function quoteId(name: string): string {
  if (name.length === 0) throw new Error('empty identifier');
  if (name.includes('\0')) throw new Error('identifier contains NUL');
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `schema`.`table` */
export function quoteTable(schema: string, table: string): string {
  return `${quoteId(schema)}.${quoteId(table)}`;
}
