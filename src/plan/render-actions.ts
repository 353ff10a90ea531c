import type { Cell } from '../cell/cells.js';
import type { ColumnInfo } from '../introspect/types.js';
import { must } from '../must.js';
import { LITERALS } from '../sql/bind.js';
import {
  deleteByKeys,
  deleteExact,
  insertSelect,
  insertValues,
  type KeySet,
  keyCells,
  keySetCondition,
  rowCells,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import type { Action, PlanTable, SourceInfo } from './format.js';
import { readActions } from './plan-files.js';

/** What the renderer needs to know of a table beyond the manifest. */
export interface SqlTableShape {
  /** the target's stored columns, in the manifest's (name) order */
  readonly columns: readonly ColumnInfo[];
  /** the key's columns, in the manifest's key order (a generated one too: rows are found by it) */
  readonly key: readonly ColumnInfo[];
  /** the target's AUTO_INCREMENT counter when the plan was made */
  readonly autoIncrementNow: string | null;
}

/** One table of plan.sql. */
export interface RenderTable {
  readonly dir: string;
  readonly table: PlanTable;
  readonly shape: SqlTableShape;
  readonly flavor: 'mariadb' | 'mysql';
  /** the backup's schema when it shares the target's server (rows are copied by SELECT), else null */
  readonly copyFrom: string | null;
  readonly backup: SourceInfo;
}

const ROWS_PER_INSERT = 100;

/**
 * The SQL of a table's actions (those `want` picks), in file order, each group under a comment
 * naming its rule. The same builders apply runs, with literals instead of placeholders:
 * plan.sql addresses and writes exactly what apply does.
 */
export async function renderActions(
  r: RenderTable,
  want: (a: Action) => boolean,
  w: (s: string) => Promise<void>,
): Promise<void> {
  const t = r.table;
  const byName = new Map(r.shape.columns.map((c) => [c.name, c]));
  const sh: TableShape = {
    schema: null,
    name: t.table,
    columns: t.columns.map((c) => must(byName.get(c), `column ${c} of ${t.table}`)),
    key: r.shape.key,
    flavor: r.flavor,
  };
  let lastRule = '';
  let inserts: Cell[][] = [];
  const flush = async (): Promise<void> => {
    if (inserts.length === 0) return;
    await w(`${insertValues(sh, inserts, LITERALS, '\n  ').sql};\n`);
    inserts = [];
  };
  for await (const a of readActions(r.dir, t.file)) {
    if (!want(a)) continue;
    const label = `${a.op}: ${a.rule}`;
    if (label !== lastRule || inserts.length >= ROWS_PER_INSERT) {
      await flush();
      if (label !== lastRule) await w(`-- ${comment(label)}\n`);
      lastRule = label;
    }
    if (a.op === 'insert') inserts.push(rowCells(sh, a.row, `${t.table} insert`));
    else await w(statementOf(r, sh, a));
  }
  await flush();
}

/** One action's SQL, a line each (comments for what is not run). */
function statementOf(r: RenderTable, sh: TableShape, a: Exclude<Action, { op: 'insert' }>): string {
  const what = `${sh.name} ${a.op}`;
  const keyed = sh.key.length > 0;
  switch (a.op) {
    case 'copy': {
      const set: KeySet = {
        keys: a.keys.map((k) => keyCells(sh, k, what)),
        ranges: a.ranges.map(([lo, hi]) => [lo, hi]),
      };
      if (r.copyFrom !== null) return `${insertSelect(sh, r.copyFrom, set, LITERALS).sql};\n`;
      const where = keySetCondition(sh, set, LITERALS).sql;
      return [
        `-- (not run here) ${a.count} rows to copy unchanged from the backup on another server, ${r.backup.url}: the rows of ${r.backup.schema}.${sh.name} WHERE ${where}`,
        `--   e.g. mariadb-dump --no-create-info --skip-triggers --where=${shellQuote(where)} ${r.backup.schema} ${sh.name} | mariadb TARGET_SCHEMA`,
        '',
      ]
        .map(comment)
        .join('\n');
    }
    case 'update': {
      const row = rowCells(sh, a.row, what);
      const st = keyed
        ? updateByKey(sh, keyCells(sh, a.key, what), row, a.columns, LITERALS)
        : updateExact(sh, rowCells(sh, a.before, what), row, a.columns, LITERALS);
      return `${st.sql};\n`;
    }
    case 'delete': {
      const st = keyed
        ? deleteByKeys(sh, { keys: [keyCells(sh, a.key, what)], ranges: [] }, LITERALS)
        : deleteExact(sh, rowCells(sh, a.before, what), LITERALS);
      return `${st.sql};\n`;
    }
    case 'unresolved':
      return [
        `-- UNRESOLVED (not run): ${comment(a.reason)}`,
        `--   key:     ${comment(JSON.stringify(a.key))}`,
        `--   backup:  ${comment(JSON.stringify(a.backup))}`,
        `--   interim: ${comment(JSON.stringify(a.interim))}`,
        '',
      ].join('\n');
  }
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Text safe inside a `--` comment: one line. */
export function comment(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
