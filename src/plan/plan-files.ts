import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import { PreconditionError, UsageError } from '../errors.js';
import { actionFileLines, actionFileSha256 } from './action-file.js';
import { type Action, MANIFEST_FILE, PLAN_FORMAT_VERSION, type PlanManifest } from './format.js';

/**
 * The plan's identity: sha256 of the stable-stringified manifest without `planId`. The manifest
 * holds each action file's sha256, so an edited or truncated action file changes it too.
 */
export function computePlanId(manifest: Omit<PlanManifest, 'planId'> | PlanManifest): string {
  // every field but planId (stableStringify orders the keys)
  const rest = Object.fromEntries(Object.entries(manifest).filter(([k]) => k !== 'planId'));
  return sha256(stableStringify(rest));
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The manifest as written to plan.json: pretty, with keys in a stable order, ending in \n. */
export function serializeManifest(manifest: PlanManifest): string {
  return `${JSON.stringify(sortKeysDeep(manifest), null, 2)}\n`;
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * Reads plan.json and checks the plan is whole and unedited: the format version is known, the
 * recomputed planId matches, and every action file is a whole gzip stream whose lines have the
 * recorded sha256. Throws a UsageError when there is no plan there, a PreconditionError (exit 3)
 * when it was edited.
 */
export async function loadVerifiedPlan(dir: string): Promise<PlanManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(
      `no plan at ${dir}: ${MANIFEST_FILE} not found (make one with reconcile plan)`,
      { reason: 'no-plan' },
    );
  }
  let manifest: PlanManifest;
  try {
    // checked below: its format version, its planId (a hash of the rest), its files' sha256
    manifest = JSON.parse(text) as PlanManifest;
  } catch {
    throw new PreconditionError(
      'edited-plan',
      `${path} is not valid JSON: the plan was edited or truncated`,
    );
  }
  if (manifest.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new PreconditionError(
      'edited-plan',
      `${path}: plan format ${String(manifest.formatVersion)}, this reconcile reads format ${PLAN_FORMAT_VERSION}: make the plan again`,
    );
  }
  const id = computePlanId(manifest);
  if (id !== manifest.planId) {
    throw new PreconditionError(
      'edited-plan',
      `${path} was edited: its content does not match its planId ${String(manifest.planId).slice(0, 12)}…; make the plan again`,
    );
  }
  for (const t of manifest.tables) {
    // An action file belongs to one table of the plan's target: a refusal names it.
    const table = `${manifest.sources.target.schema}.${t.table}`;
    const path = safeJoin(dir, t.file, table);
    const prefix = `plan ${manifest.planId.slice(0, 12)}: `;
    const actual = await actionFileSha256({ path, file: t.file, table, prefix });
    if (actual !== t.fileSha256) {
      throw new PreconditionError(
        'edited-plan',
        `${prefix}${t.file} was edited or truncated (sha256 differs from plan.json)`,
        { table },
      );
    }
  }
  return manifest;
}

/**
 * Joins a path from the manifest under the plan folder, refusing one that climbs out of it;
 * `table` (`schema.table`) is the table whose file it is, for the refusal.
 */
export function safeJoin(dir: string, rel: string, table?: string): string {
  const n = normalize(rel);
  if (n.startsWith('..') || n.startsWith('/')) {
    throw new PreconditionError('edited-plan', `plan refers to a file outside its folder: ${rel}`, {
      table,
    });
  }
  return join(dir, n);
}

/**
 * Streams a table's actions in file order (the file decompressed as it is read, action-file.ts);
 * `table` (`schema.table`), when the caller knows it, is named by a refusal of the file.
 */
export async function* readActions(
  dir: string,
  file: string,
  table?: string,
): AsyncGenerator<Action> {
  let n = 0;
  for await (const line of actionFileLines({ path: safeJoin(dir, file, table), file, table })) {
    n++;
    if (line.length === 0) continue;
    let action: Action;
    try {
      // the file's sha256 was checked against plan.json when the plan was opened
      action = JSON.parse(line) as Action;
    } catch {
      throw new PreconditionError('edited-plan', `${file}:${n}: not a JSON action line`, {
        table,
      });
    }
    yield action;
  }
}
