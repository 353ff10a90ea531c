/**
 * The plan and apply side of `npm run bench:scale`: `reconcile plan` of a pair into a target
 * that holds a fresh copy of the interim, the plan folder's size, then on that target the stale
 * check (`apply` without `--execute`), `apply --execute` and `verify`, each measured, with
 * `CHECKSUM TABLE` of the target's tables before and after (the floor the checks are held to).
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DbTarget } from '../src/db/url.js';
import { checksumTables } from './scale-baselines.js';
import { type CommandFigure, fastest, figure, reconcile, round, urlOf } from './scale-cli.js';
import { planConfig } from './scale-incident.js';

export interface PlanPair {
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  /** a schema holding a copy of the interim, which the plan's apply writes */
  readonly target: DbTarget;
  readonly password: string | undefined;
}

export interface FolderSize {
  readonly bytes: number;
  readonly files: number;
  /** bytes per top-level entry: plan.json, plan.sql, actions */
  readonly parts: Record<string, number>;
}

async function sizeOf(path: string): Promise<{ bytes: number; files: number }> {
  const s = await stat(path);
  if (!s.isDirectory()) return { bytes: s.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const name of await readdir(path)) {
    const sub = await sizeOf(join(path, name));
    bytes += sub.bytes;
    files += sub.files;
  }
  return { bytes, files };
}

export async function folderSize(dir: string): Promise<FolderSize> {
  const parts: Record<string, number> = {};
  let bytes = 0;
  let files = 0;
  for (const name of (await readdir(dir)).sort()) {
    const sub = await sizeOf(join(dir, name));
    parts[name] = sub.bytes;
    bytes += sub.bytes;
    files += sub.files;
  }
  return { bytes, files, parts };
}

export interface PlanFigure extends CommandFigure {
  readonly dir: string;
  readonly folder: FolderSize;
  /** plan.json's totals by class and by action, and the id remaps */
  readonly totals: Record<string, number>;
  readonly remaps: readonly string[];
}

/** `reconcile plan --config FILE --out DIR --force`, fastest of `repeat`. */
export async function makePlan(
  p: PlanPair,
  dir: string,
  name: string,
  repeat: number,
): Promise<PlanFigure> {
  const config = join(dir, `${name}.json`);
  const out = join(dir, name);
  const urls = { backup: urlOf(p.backup), interim: urlOf(p.interim), target: urlOf(p.target) };
  await writeFile(config, planConfig(urls));
  const run = await fastest(repeat, () =>
    reconcile(['plan', '--config', config, '--out', out, '--force'], p.password),
  );
  // plan.json only: verifying the whole folder would hash every action file again.
  const manifest = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as {
    totals: Record<string, number>;
    remaps: { table: string; count: number }[];
  };
  return {
    ...figure(run),
    dir: out,
    folder: await folderSize(out),
    totals: manifest.totals,
    remaps: manifest.remaps.map((r) => `${r.table}:${r.count}`),
  };
}

/** The fastest of `n` CHECKSUM TABLE rounds (at least two: the first may warm the pool). */
async function checksumFloor(target: DbTarget, n: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < Math.max(2, n); k++) best = Math.min(best, await checksumTables(target));
  return round(best);
}

/** `apply --execute`: the command, and what its --json report says it did per table. */
export interface ApplyFigure extends CommandFigure {
  readonly writeSeconds: number;
  readonly rows: number;
  readonly batches: number;
  readonly perTable: Record<
    string,
    { seconds: number; copied: number; inserted: number; updated: number }
  >;
}

export interface ApplyFigures {
  /** `apply --plan DIR` without --execute: the command, and its own `seconds.check` */
  readonly staleCheck: CommandFigure & { readonly checkSeconds: number };
  readonly checksumBeforeSeconds: number;
  readonly apply: ApplyFigure;
  readonly checksumAfterSeconds: number;
  readonly verify: CommandFigure & { readonly ok: boolean };
}

interface ApplyJson {
  rows: number;
  batches: number;
  seconds: { check: number; write: number; total: number };
  tables: { table: string; seconds: number; copied: number; inserted: number; updated: number }[];
}

/** `apply --execute` of `plan`, fastest of `repeat`; `reset` puts the target back between runs. */
export async function executeApply(
  plan: PlanFigure,
  p: PlanPair,
  repeat: number,
  reset: () => Promise<void>,
  parallel = 1,
): Promise<ApplyFigure> {
  let runs = 0;
  const args = ['apply', '--plan', plan.dir, '--json', '--execute', '--parallel', String(parallel)];
  const run = await fastest(
    repeat,
    () => reconcile(args, p.password),
    async () => {
      if (runs++ > 0) await reset();
    },
  );
  const a = JSON.parse(run.stdout) as ApplyJson;
  const perTable: ApplyFigure['perTable'] = {};
  for (const t of a.tables) {
    const { copied, inserted, updated } = t;
    perTable[t.table] = { seconds: round(t.seconds), copied, inserted, updated };
  }
  return {
    ...figure(run),
    writeSeconds: round(a.seconds.write),
    rows: a.rows,
    batches: a.batches,
    perTable,
  };
}

/**
 * Stale check, apply and verify of `plan` on its target, in that order (the stale check needs
 * the target as the plan found it).
 */
export async function applyPlanFigures(
  plan: PlanFigure,
  p: PlanPair,
  repeat: number,
  reset: () => Promise<void>,
  parallel = 1,
): Promise<ApplyFigures> {
  const base = ['--plan', plan.dir, '--json'];
  const stale = await fastest(repeat, () => reconcile(['apply', ...base], p.password));
  const checksumBefore = await checksumFloor(p.target, repeat);
  const apply = await executeApply(plan, p, repeat, reset, parallel);
  const checksumAfter = await checksumFloor(p.target, repeat);
  const verified = await fastest(repeat, () => reconcile(['verify', ...base], p.password, [0, 1]));
  return {
    staleCheck: {
      ...figure(stale),
      checkSeconds: round((JSON.parse(stale.stdout) as ApplyJson).seconds.check),
    },
    checksumBeforeSeconds: checksumBefore,
    apply,
    checksumAfterSeconds: checksumAfter,
    verify: { ...figure(verified), ok: verified.code === 0 },
  };
}
