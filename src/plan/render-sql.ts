import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Cell } from '../cell/cells.js';
import { quoteId } from '../db/quote.js';
import { endStream } from '../diff/jsonl-writer.js';
import type { ColumnInfo } from '../introspect/types.js';
import { must, mustGet } from '../must.js';
import { LITERALS } from '../sql/bind.js';
import {
  deleteByKeys,
  deleteExact,
  insertValues,
  keyCells,
  rowCells,
  type TableShape,
  updateByKey,
  updateExact,
} from '../sql/statements.js';
import type { Action, PlanManifest, PlanTable } from './format.js';
import { SQL_FILE } from './format.js';
import { readActions } from './plan-files.js';

/** What the renderer needs to know of a table beyond the manifest. */
export interface SqlTableShape {
  /** the target's stored columns, in the manifest's (name) order */
  readonly columns: readonly ColumnInfo[];
  /** the target's AUTO_INCREMENT counter when the plan was made */
  readonly autoIncrementNow: string | null;
}

const ROWS_PER_INSERT = 100;

/**
 * Writes plan.sql: the plan as one script a DBA can read and run by hand with the mysql client,
 * against the target schema (`mysql … target_schema < plan.sql`). Streams the action files; the
 * script holds the same writes apply makes, in the same order, each group under a comment
 * naming the rule that decided it. Unresolved actions appear as comments and are not run.
 */
export async function writePlanSql(
  dir: string,
  manifest: PlanManifest,
  shapes: ReadonlyMap<string, SqlTableShape>,
  flavor: 'mariadb' | 'mysql',
): Promise<void> {
  const out = createWriteStream(join(dir, SQL_FILE));
  const failed: Error[] = [];
  out.on('error', (e) => failed.push(e));
  const w = async (text: string): Promise<void> => {
    if (failed[0]) throw failed[0];
    if (!out.write(text)) await once(out, 'drain');
  };

  await w(header(manifest));
  await w('START TRANSACTION;\n');
  // Deletes first, children before parents; then updates and inserts, parents first.
  const tables = manifest.order.map((n) =>
    must(
      manifest.tables.find((t) => t.table === n),
      `table ${n} of the plan's order`,
    ),
  );
  for (const t of [...tables].reverse()) {
    if (t.actions.delete === 0) continue;
    await w(`\n-- ${comment(t.table)}: ${t.actions.delete} deletes\n`);
    await renderActions(
      dir,
      t,
      mustGet(shapes, t.table, 'shape of table'),
      flavor,
      (a) => a.op === 'delete',
      w,
    );
  }
  for (const t of tables) {
    await w(
      `\n-- ===== ${comment(t.table)}: ${t.actions.update} updates, ${t.actions.insert} inserts, ${t.actions.unresolved} unresolved =====\n`,
    );
    for (const n of t.notes) await w(`-- note: ${comment(n)}\n`);
    for (const x of t.warnings) await w(`-- WARNING: ${comment(x)}\n`);
    if (t.triggers.length > 0) {
      await w(
        `-- WARNING: triggers fire on these writes: ${comment(t.triggers.map((x) => `${x.name} (${x.timing} ${x.event})`).join(', '))}\n`,
      );
    }
    await renderActions(
      dir,
      t,
      mustGet(shapes, t.table, 'shape of table'),
      flavor,
      (a) => a.op !== 'delete',
      w,
    );
  }
  await w('\nCOMMIT;\n');
  for (const t of tables) {
    const ai = t.autoIncrement;
    if (!ai) continue;
    const now = shapes.get(t.table)?.autoIncrementNow ?? null;
    if (now !== null && BigInt(now) >= BigInt(ai.next)) {
      await w(`-- ${comment(t.table)}: AUTO_INCREMENT is already ${now}, past ${ai.next}\n`);
    } else {
      await w(`ALTER TABLE ${quoteId(t.table)} AUTO_INCREMENT = ${ai.next};\n`);
    }
  }
  await w('SET SESSION foreign_key_checks = 1;\n');
  await endStream(out, () => failed[0] ?? null);
  if (failed[0]) throw failed[0];
}

function header(m: PlanManifest): string {
  const lines = [
    `-- reconcile plan ${m.planId}`,
    `-- backup:  ${m.sources.backup.url} (${m.sources.backup.server})`,
    `-- interim: ${m.sources.interim.url} (${m.sources.interim.server})`,
    `-- target:  ${m.sources.target.url}${m.inPlace ? ' (in place: the interim itself)' : ''}`,
    `-- incident.start: ${m.incident.start ?? '(not given)'}`,
    `-- totals: ${m.totals.insert} inserts, ${m.totals.update} updates, ${m.totals.delete} deletes, ${m.totals.unresolved} unresolved`,
    '--',
    '-- Run against the target schema with the mysql client, e.g.',
    `--   mysql -h HOST -u USER -p ${m.sources.target.schema} < plan.sql`,
    '-- One transaction: all of it or nothing. Foreign key checks are off for the session because',
    '-- remapped ids and their references change in separate statements (and CASCADE rules must not',
    "-- touch rows the plan does not name); the plan's end state has no orphans.",
  ];
  if (m.unresolved > 0) {
    lines.push(
      `-- ${m.unresolved} UNRESOLVED actions are listed as comments and are NOT run: decide them first.`,
    );
  }
  if (m.needsAllowTriggers)
    lines.push('-- WARNING: triggers on the target fire on these writes (listed per table).');
  return `${lines.map(comment).join('\n')}\n\nSET NAMES utf8mb4;\nSET SESSION time_zone = '+00:00';\nSET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';\nSET SESSION foreign_key_checks = 0;\n`;
}

async function renderActions(
  dir: string,
  t: PlanTable,
  shape: SqlTableShape,
  flavor: 'mariadb' | 'mysql',
  want: (a: Action) => boolean,
  w: (s: string) => Promise<void>,
): Promise<void> {
  const byName = new Map(shape.columns.map((c) => [c.name, c]));
  const sh: TableShape = {
    schema: null,
    name: t.table,
    columns: t.columns.map((c) => must(byName.get(c), `column ${c} of ${t.table}`)),
    key: t.key.map((c) => must(byName.get(c), `key column ${c} of ${t.table}`)),
    flavor,
  };
  const keyed = sh.key.length > 0;
  const what = (a: Action): string => `${t.table} ${a.op} at ${JSON.stringify(a.key)}`;
  let lastRule = '';
  let inserts: Cell[][] = [];
  const flush = async (): Promise<void> => {
    if (inserts.length === 0) return;
    await w(`${insertValues(sh, inserts, LITERALS, '\n  ').sql};\n`);
    inserts = [];
  };
  for await (const a of readActions(dir, t.file)) {
    if (!want(a)) continue;
    const label = `${a.op}: ${a.rule}`;
    if (label !== lastRule || inserts.length >= ROWS_PER_INSERT) {
      await flush();
      if (label !== lastRule) await w(`-- ${comment(label)}\n`);
      lastRule = label;
    }
    // The same builders apply runs, with literals instead of placeholders: plan.sql addresses
    // and writes exactly what apply does.
    switch (a.op) {
      case 'insert':
        inserts.push(rowCells(sh, a.row, what(a)));
        break;
      case 'update': {
        const row = rowCells(sh, a.row, what(a));
        const st = keyed
          ? updateByKey(sh, keyCells(sh, a.key, what(a)), row, a.columns, LITERALS)
          : updateExact(sh, rowCells(sh, a.before, what(a)), row, a.columns, LITERALS);
        await w(`${st.sql};\n`);
        break;
      }
      case 'delete': {
        const st = keyed
          ? deleteByKeys(sh, { keys: [keyCells(sh, a.key, what(a))], ranges: [] }, LITERALS)
          : deleteExact(sh, rowCells(sh, a.before, what(a)), LITERALS);
        await w(`${st.sql};\n`);
        break;
      }
      case 'unresolved':
        await w(
          [
            `-- UNRESOLVED (not run): ${comment(a.reason)}`,
            `--   key:     ${comment(JSON.stringify(a.key))}`,
            `--   backup:  ${comment(JSON.stringify(a.backup))}`,
            `--   interim: ${comment(JSON.stringify(a.interim))}`,
            '',
          ].join('\n'),
        );
        break;
    }
  }
  await flush();
}

/** Text safe inside a `--` comment: one line. */
function comment(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
