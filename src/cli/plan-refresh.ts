/**
 * `plan --refresh PLAN_DIR --out DIR`: the way forward from a live apply that deferred rows.
 * It plans again only the keys the plan's journal on the target records as deferred (rows the
 * application changed since the plan, and those that reference them), against the target and
 * the backup as they are now, with the same config (checked by its hash), into a small
 * follow-up plan that applies on top (with --live).
 */
import { deferredKeys } from '../apply/live-run.js';
import type { Row } from '../cell/cells.js';
import type { PlanConfig } from '../config/types.js';
import { connect } from '../db/mysql.js';
import { describeTarget } from '../db/url.js';
import { UsageError } from '../errors.js';
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
