import type { PlanConfig } from '../config/types.js';
import { describeTarget } from '../db/url.js';
import { configHash, schemaFingerprint } from './fingerprint.js';
import {
  type ActionCounts,
  type ClassCounts,
  PLAN_FORMAT_VERSION,
  type PlanManifest,
  type PlanTable,
  type RemapSummary,
} from './format.js';
import { computePlanId } from './plan-files.js';
import type { PlanInputs } from './plan-inputs.js';
import { referencesTo } from './references.js';
import type { RemapBook } from './remap-book.js';
import type { TableRecord } from './table-record.js';

/** What plan.json is made of, once every table is planned. */
export interface ManifestParts {
  readonly config: PlanConfig;
  readonly inputs: PlanInputs;
  /** in write order */
  readonly records: readonly TableRecord[];
  /** one per record, same order */
  readonly tables: readonly PlanTable[];
  readonly book: RemapBook;
}

/** plan.json's content, its planId computed over the rest (plan-files.ts). */
export function buildManifest(p: ManifestParts): PlanManifest {
  const { config, inputs, tables } = p;
  const { src, target } = inputs;
  const servers = src.servers;
  const withoutId: Omit<PlanManifest, 'planId'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    configHash: configHash(config),
    sources: {
      backup: {
        url: describeTarget(config.backup),
        schema: config.backup.schema,
        server: servers.backup.version,
        sslMode: config.backup.tls.mode,
      },
      interim: {
        url: describeTarget(config.interim),
        schema: config.interim.schema,
        server: servers.interim.version,
        sslMode: config.interim.tls.mode,
      },
      target: {
        url: describeTarget(target.db),
        schema: target.db.schema,
        server: target.server.version,
        sslMode: target.db.tls.mode,
      },
    },
    inPlace: target.inPlace,
    schemaFingerprints: {
      backup: schemaFingerprint(src.backupSchema),
      interim: schemaFingerprint(src.interimSchema),
      target: schemaFingerprint(target.schema),
    },
    incident: { start: config.incident?.iso ?? null },
    order: p.records.map((r) => r.name),
    tables,
    remaps: remapSummaries(p.records, p.book),
    unresolved: tables.reduce((n, t) => n + t.actions.unresolved, 0),
    needsAllowTriggers: tables.some((t) => t.triggers.length > 0),
    totals: { ...classTotals(tables), ...actionTotals(tables) },
    // Code-unit order, whatever the names' case: part of what makes planId deterministic.
    skipped: [...inputs.skipped].sort((a, b) =>
      a.table < b.table ? -1 : a.table > b.table ? 1 : 0,
    ),
  };
  return { ...withoutId, planId: computePlanId(withoutId) };
}

/** Each table's fresh ids, with the references that were rewritten to follow them. */
function remapSummaries(records: readonly TableRecord[], book: RemapBook): RemapSummary[] {
  const models = records.map((r) => r.model);
  return records.flatMap((r) => {
    if (!r.fresh) return [];
    const followedBy = referencesTo(models, r.name)
      .filter((ref) => (book.followed.get(ref.label) ?? 0) > 0)
      .map((ref) => ref.label);
    return [{ ...r.fresh.summary, followedBy }];
  });
}

const CLASSES = ['identical', 'changed', 'onlyBackup', 'onlyInterim', 'collision'] as const;
const ACTIONS = ['insert', 'update', 'delete', 'unresolved', 'keep'] as const;

function classTotals(tables: readonly PlanTable[]): ClassCounts {
  const out: ClassCounts = {
    identical: 0,
    changed: 0,
    onlyBackup: 0,
    onlyInterim: 0,
    collision: 0,
  };
  for (const t of tables) for (const k of CLASSES) out[k] += t.counts[k];
  return out;
}

function actionTotals(tables: readonly PlanTable[]): ActionCounts {
  const out: ActionCounts = { insert: 0, update: 0, delete: 0, unresolved: 0, keep: 0 };
  for (const t of tables) for (const k of ACTIONS) out[k] += t.actions[k];
  return out;
}
