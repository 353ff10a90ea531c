import type { Cell } from '../cell/cells.js';
import { isNoPad } from '../chunk/key-sql.js';
import type { SessionPool } from '../db/session-pool.js';
import type { SqlParam } from '../db/types.js';
import { columnKey } from '../introspect/compare.js';
import type { ColumnInfo, TableInfo } from '../introspect/types.js';
import { must } from '../must.js';

const BATCH = 200;

/**
 * For each tuple, a string that is equal exactly when the server would call the tuples equal
 * under the columns' collations ('A@x' and 'a@x ' under a _ci PAD SPACE collation). Text values
 * are sent to the server for their WEIGHT_STRING; other values compare as they are.
 */
export async function matchForms(
  pool: SessionPool,
  table: TableInfo,
  columns: readonly string[],
  tuples: readonly (readonly Cell[])[],
): Promise<string[]> {
  const infos = columns.map((c) =>
    must(
      table.columns.find((x) => columnKey(x.name) === columnKey(c)),
      `column ${c} of ${table.name}`,
    ),
  );
  const collated = infos.map((c) =>
    c.family === 'text' && c.collation !== null && c.charset !== null && c.charset !== 'binary'
      ? { ...c, collation: c.collation, charset: c.charset }
      : null,
  );
  const forms = tuples.map((t) => t.map((c) => JSON.stringify(c)));
  const todo: { t: number; c: number; expr: string; value: string }[] = [];
  tuples.forEach((t, ti) => {
    t.forEach((cell, ci) => {
      const info = collated[ci];
      if (info && typeof cell === 'string')
        todo.push({ t: ti, c: ci, expr: weightOf(info), value: cell });
    });
  });
  for (let o = 0; o < todo.length; o += BATCH) {
    const part = todo.slice(o, o + BATCH);
    const params: SqlParam[] = part.map((p) => p.value);
    const rows = await pool.run((s) =>
      s.rawRows(`SELECT ${part.map((p) => `HEX(${p.expr})`).join(', ')}`, params),
    );
    const row = rows[0] ?? [];
    part.forEach((p, n) => {
      const form = forms[p.t];
      if (form) form[p.c] = `w:${row[n]?.toString('latin1') ?? ''}`;
    });
  }
  return forms.map((f) => f.join('\u0000'));
}

/** WEIGHT_STRING of a placeholder converted to the column's charset and collation. */
function weightOf(c: ColumnInfo & { charset: string; collation: string }): string {
  const v = `CONVERT(? USING ${ident(c.charset)}) COLLATE ${ident(c.collation)}`;
  // MariaDB's WEIGHT_STRING keeps trailing spaces that PAD SPACE collations ignore.
  return isNoPad(c.collation)
    ? `WEIGHT_STRING(${v})`
    : `WEIGHT_STRING(TRIM(TRAILING ' ' FROM ${v}))`;
}

/** Charset and collation names are words from information_schema; refuse anything else. */
function ident(name: string): string {
  if (!/^\w+$/.test(name))
    throw new Error(`unexpected charset or collation name ${JSON.stringify(name)}`);
  return name;
}
