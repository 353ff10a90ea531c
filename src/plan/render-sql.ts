import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { quoteId } from '../db/quote.js';
import { endStream } from '../diff/jsonl-writer.js';
import { must, mustGet } from '../must.js';
import type { PlanManifest, PlanTable } from './format.js';
import { SQL_FILE } from './format.js';
import { comment, type RenderTable, renderActions, type SqlTableShape } from './render-actions.js';

export type { SqlTableShape } from './render-actions.js';

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

  // Restored rows are copied by INSERT … SELECT where the backup shares the target's server;
  // otherwise plan.sql says which rows to copy, and how.
  const s = manifest.sources;
  const copyFrom = hostPort(s.backup.url) === hostPort(s.target.url) ? s.backup.schema : null;
  const ctx = (t: PlanTable): RenderTable => ({
    dir,
    table: t,
    shape: mustGet(shapes, t.table, 'shape of table'),
    flavor,
    copyFrom,
    backup: s.backup,
  });
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
    await renderActions(ctx(t), (a) => a.op === 'delete', w);
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
    await renderActions(ctx(t), (a) => a.op !== 'delete', w);
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

/** `host:port` of a URL as plan.json records it (mysql://user@host:port/schema, or a socket). */
function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^@/]*@/, '').replace(/\/.*$/, '');
}
