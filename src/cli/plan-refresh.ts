/**
 * `plan --refresh PLAN_DIR --out DIR`: the way forward from a live apply that deferred rows.
 * It plans again only the keys the plan's journal on the target records as deferred (rows the
 * application changed since the plan, and those that reference them), against the target and
 * the backup as they are now, with the same config (checked by its hash), into a small
 * follow-up plan that applies on top (with --live).
 */
import { deferredKeys } from '../apply/live-run.js';
import { cellFromRaw, paramFromCell } from '../cell/cell-codec.js';
import type { Row } from '../cell/cells.js';
import type { PlanConfig } from '../config/types.js';
import { connect } from '../db/mysql.js';
import { quoteId, quoteTable } from '../db/quote.js';
import type { Session } from '../db/types.js';
import { describeTarget } from '../db/url.js';
import { UsageError } from '../errors.js';
import { introspectSchema } from '../introspect/introspect.js';
import type { Logger } from '../log.js';
import { configHash } from '../plan/fingerprint.js';
import type { PlanManifest } from '../plan/format.js';
import { loadVerifiedPlan, readActions } from '../plan/plan-files.js';

export interface RefreshInput {
  readonly manifest: PlanManifest;
  /** per table, the keys to plan again (empty: nothing was deferred) */
  readonly keys: Map<string, Row[]>;
}

/** Loads the plan to refresh, checks the config is its own, reads its deferred keys. */
export async function refreshInput(
  dir: string,
  config: PlanConfig,
  logger: Logger,
): Promise<RefreshInput> {
  const manifest = await loadVerifiedPlan(dir);
  if (!manifest.inPlace) {
    throw new UsageError(
      `plan --refresh ${dir}: that plan merges into another schema than the interim; --refresh follows a live apply in place`,
    );
  }
  if (configHash(config) !== manifest.configHash) {
    throw new UsageError(
      `plan --refresh ${dir}: the config and sources are not the ones the plan was made with (its configHash ${manifest.configHash.slice(0, 12)}…): give the same --config and URLs`,
    );
  }
  const conn = await connect(config.interim, { logger });
  try {
    const keyed = new Set(manifest.tables.filter((t) => t.key.length > 0).map((t) => t.table));
    const keys = await deferredKeys(conn, config.interim.schema, manifest.planId, keyed);
    await addReferencingRows(conn, config.interim.schema, manifest, keys);
    logger.info(
      {
        event: 'plan.refresh',
        planId: manifest.planId,
        target: describeTarget(config.interim),
        tables: keys.size,
        keys: [...keys.values()].reduce((n, k) => n + k.length, 0),
      },
      'planning the deferred rows again',
    );
    return { manifest, keys };
  } finally {
    await conn.close();
  }
}

/**
 * The rows of the target that reference a deferred row join the keys planned again: the
 * application may have added some since the plan (an order under a sign-up), and a row that
 * moves now must take them along (a live apply defers a move that would leave such rows behind).
 */
async function addReferencingRows(
  s: Session,
  schema: string,
  manifest: PlanManifest,
  keys: Map<string, Row[]>,
): Promise<void> {
  const info = await introspectSchema(
    s,
    schema,
    manifest.tables.map((t) => t.table),
  );
  const planned = new Map(manifest.tables.map((t) => [t.table, t]));
  const refs: { child: string; column: string; parent: string; refColumn: string }[] = [];
  for (const t of manifest.tables) {
    for (const r of t.policy.references)
      refs.push({ child: t.table, column: r.column, parent: r.table, refColumn: r.refColumn });
    for (const fk of info.tables.get(t.table)?.foreignKeys ?? []) {
      const [column] = fk.columns;
      const [refColumn] = fk.refColumns;
      if (fk.columns.length === 1 && column && refColumn)
        refs.push({ child: t.table, column, parent: fk.refTable, refColumn });
    }
  }
  for (const r of refs) {
    const parent = planned.get(r.parent);
    const child = planned.get(r.child);
    const values = (keys.get(r.parent) ?? []).map((k) => k[r.refColumn] ?? null);
    if (!parent || !child || parent.key.length !== 1 || child.key.length === 0) continue;
    if (values.length === 0) continue;
    const cols = child.key.map(quoteId).join(', ');
    const families = child.key.map(
      (c) => info.tables.get(r.child)?.columns.find((x) => x.name === c)?.family ?? 'text',
    );
    const rows = await s.rawRows(
      `SELECT ${cols} FROM ${quoteTable(schema, r.child)} WHERE ${quoteId(r.column)} IN (${values.map(() => '?').join(', ')})`,
      values.map(paramFromCell),
    );
    const list = keys.get(r.child) ?? [];
    const seen = new Set(list.map((k) => JSON.stringify(k)));
    for (const row of rows) {
      const k: Row = Object.fromEntries(
        child.key.map((c, i) => [c, cellFromRaw(families[i] ?? 'text', row[i] ?? null)]),
      );
      const id = JSON.stringify(k);
      if (!seen.has(id)) {
        seen.add(id);
        list.push(k);
      }
    }
    if (list.length > 0) keys.set(r.child, list);
  }
}

/** "refresh of plan 1a2b…: 9 deferred keys in 3 tables; decided now by: rule (n), …" */
export async function refreshSummary(
  input: RefreshInput,
  dir: string,
  plan: PlanManifest,
): Promise<string> {
  const byRule = new Map<string, number>();
  for (const t of plan.tables) {
    for await (const a of readActions(dir, t.file)) {
      const n = a.op === 'copy' ? a.count : 1;
      byRule.set(
        `${t.table}: ${a.op} ${a.rule}`,
        (byRule.get(`${t.table}: ${a.op} ${a.rule}`) ?? 0) + n,
      );
    }
  }
  const keys = [...input.keys.values()].reduce((n, k) => n + k.length, 0);
  const lines = [
    `refresh of plan ${input.manifest.planId.slice(0, 12)}: ${keys} deferred key(s) in ${input.keys.size} table(s), planned again against the target as it is now`,
  ];
  for (const [rule, n] of [...byRule].sort((a, b) => b[1] - a[1])) lines.push(`  ${n} × ${rule}`);
  lines.push(`apply it on top with: reconcile apply --plan ${dir} --execute --live`);
  return `${lines.join('\n')}\n`;
}
