/**
 * The cases of `npm run bench:scale` that need the incident: the backup on a private server,
 * the interim and every target on the --url server. Each target is a fresh copy of the interim,
 * made by the same generator, so every measured write starts from the same state.
 */
import type { DbTarget } from '../src/db/url.js';
import { withSchema } from '../src/db/url.js';
import {
  type ApplyFigure,
  type ApplyFigures,
  applyPlanFigures,
  executeApply,
  makePlan,
  type PlanFigure,
} from './scale-apply.js';
import { dumpPipe, insertSelect } from './scale-baselines.js';
import type { Cleanup } from './scale-cleanup.js';
import { type CommandFigure, round } from './scale-cli.js';
import { type DiffTotals, fullDiff, type ResumeFigure, resumedDiff } from './scale-diff.js';
import { type IncidentShape, incidentShape } from './scale-incident.js';
import type { ScaleOptions } from './scale-options.js';
import {
  benchSchema,
  countRows,
  loadSide,
  PREFIX,
  type RestoredData,
  restoredData,
} from './scale-schemas.js';
import { type ServerFacts, serverFacts, startBackupServer } from './scale-servers.js';

export interface DataFigures {
  readonly shape: IncidentShape;
  readonly backupServer: ServerFacts;
  readonly rows: {
    readonly backup: Awaited<ReturnType<typeof countRows>>;
    readonly interim: Awaited<ReturnType<typeof countRows>>;
    readonly collisions: number;
  };
  readonly restored: RestoredData;
  readonly generateSeconds: number;
  readonly commands: Record<string, CommandFigure>;
  /** what the run checked besides timing: the tools did what the figures assume */
  readonly checks: Record<string, boolean | null>;
  readonly diff?: {
    readonly totals: DiffTotals;
    readonly expected: DiffTotals;
    readonly correct: boolean;
  };
  readonly resume?: ResumeFigure;
  readonly plan?: PlanFigure;
  readonly apply?: ApplyFigures;
  readonly dumpPipe?: Baseline;
  readonly sameServer?: {
    readonly plan: PlanFigure;
    readonly apply: ApplyFigure;
    readonly insertSelect: Baseline;
  };
}

interface Ctx {
  readonly o: ScaleOptions;
  readonly shape: IncidentShape;
  readonly backup: DbTarget;
  readonly interim: DbTarget;
  readonly dir: string;
  readonly cleanup: Cleanup;
  readonly log: (m: string) => void;
  readonly password: string | undefined;
  /** rows in the interim (and in every fresh copy of it) */
  readonly interimRows: number;
}

/** A fresh copy of the interim on the --url server, and how to make it fresh again. */
async function interimCopy(
  c: Ctx,
  name: string,
): Promise<{ t: DbTarget; reset: () => Promise<void> }> {
  const t = benchSchema(c.o.server, name, c.cleanup, c.o.keep);
  const reset = () => loadSide(t, c.shape, 'interim');
  await reset();
  return { t, reset };
}

interface Timed {
  readonly seconds: number;
  readonly perTable: Record<string, number>;
}

/** A baseline's best time and the rows it added to its target (a check that it copied them). */
interface Baseline extends Timed {
  readonly rowsAdded: number;
}

/** Best of --repeat for a baseline that writes: `reset` (untimed) before every run but the first. */
async function timedWrites(
  repeat: number,
  reset: () => Promise<void>,
  run: () => Promise<Timed>,
): Promise<Timed> {
  let best: Timed | null = null;
  for (let k = 0; k < repeat; k++) {
    if (k > 0) await reset();
    const r = await run();
    if (best === null || r.seconds < best.seconds) best = r;
  }
  if (best === null) throw new Error('timedWrites: no run');
  return { seconds: round(best.seconds), perTable: best.perTable };
}

export async function dataCases(
  o: ScaleOptions,
  like: ServerFacts,
  dir: string,
  cleanup: Cleanup,
  log: (m: string) => void,
): Promise<DataFigures> {
  const shape = incidentShape(o.rows);
  log(`starting the backup's private server (buffer pool ${like.bufferPoolBytes} bytes)`);
  const root = await startBackupServer(like, o.server, cleanup);
  const backupServer = await serverFacts(root);
  const backup = withSchema(root, `${PREFIX}_backup`);
  const interim = benchSchema(o.server, 'interim', cleanup, o.keep);
  const t0 = performance.now();
  log(`generating ${o.rows} backup rows (${JSON.stringify(shape)}) and the interim`);
  await Promise.all([loadSide(backup, shape, 'backup'), loadSide(interim, shape, 'interim')]);
  const generateSeconds = round((performance.now() - t0) / 1000);
  const [backupRows, interimRows, restored] = await Promise.all([
    countRows(backup),
    countRows(interim),
    restoredData(backup, shape),
  ]);
  const collisions = interimRows.accounts - (backupRows.accounts - restored.rows.accounts);
  log(
    `generated in ${generateSeconds}s: ${backupRows.total} backup rows, ${interimRows.total} interim rows`,
  );
  const c: Ctx = {
    o,
    shape,
    backup,
    interim,
    dir,
    cleanup,
    log,
    password: o.server.password,
    interimRows: interimRows.total,
  };
  const commands: Record<string, CommandFigure> = {};
  const diff = await diffGroup(c, commands, restored, collisions);
  const remote = await remoteGroup(c, commands);
  const same = await sameServerGroup(c, commands);
  // Each baseline must have copied the restored rows but the colliding ids (IGNORE skips them).
  const copied = restored.rows.total - collisions;
  return {
    shape,
    backupServer,
    rows: { backup: backupRows, interim: interimRows, collisions },
    restored,
    generateSeconds,
    commands,
    ...diff,
    ...remote,
    ...same,
    checks: {
      diffFoundWhatWasGenerated: diff.diff?.correct ?? null,
      resumedDiffFoundTheSame: diff.resume?.sameTotals ?? null,
      resumedDiffWroteTheSameFiles: diff.resume?.sameFiles ?? null,
      planRestoresEveryRestoredRow: remote.plan
        ? remote.plan.totals.insert === restored.rows.total
        : null,
      verifyOk: remote.apply?.verify.ok ?? null,
      dumpPipeCopiedTheRows: remote.dumpPipe ? remote.dumpPipe.rowsAdded === copied : null,
      sameServerPlanRestoresEveryRow: same.sameServer
        ? same.sameServer.plan.totals.insert === restored.rows.total
        : null,
      insertSelectCopiedTheRows: same.sameServer
        ? same.sameServer.insertSelect.rowsAdded === copied
        : null,
    },
  };
}

async function diffGroup(
  c: Ctx,
  commands: Record<string, CommandFigure>,
  restored: RestoredData,
  collisions: number,
): Promise<Pick<DataFigures, 'diff' | 'resume'>> {
  if (!c.o.cases.has('diff') && !c.o.cases.has('resume')) return {};
  c.log('reconcile diff --out DIR (full)');
  const pair = { backup: c.backup, interim: c.interim, password: c.password };
  const full = await fullDiff(pair, c.dir, c.o.repeat);
  commands.diff = full;
  // Colliding ids are "changed" to a diff (it knows no createdAt); their children are new.
  const expected = {
    identical: c.shape.accounts + c.shape.ledger + c.shape.lines - restored.rows.total,
    changed: collisions,
    onlyBackup: restored.rows.total - collisions,
    onlyInterim: 4 * collisions,
  };
  const diff = {
    totals: full.totals,
    expected,
    correct: JSON.stringify(full.totals) === JSON.stringify(expected),
  };
  if (!c.o.cases.has('resume')) return { diff };
  c.log(`reconcile diff killed at ${round(full.seconds / 2)}s, then run again`);
  const resume = await resumedDiff(pair, c.dir, full);
  commands.diffResumed = resume.rerun;
  return { diff, resume };
}

/** The backup on the other server: plan, stale check, apply, verify; the dump pipe beside. */
async function remoteGroup(
  c: Ctx,
  commands: Record<string, CommandFigure>,
): Promise<Pick<DataFigures, 'plan' | 'apply' | 'dumpPipe'>> {
  if (!c.o.cases.has('plan') && !c.o.cases.has('apply')) return {};
  const target = await interimCopy(c, 'target_remote');
  const pair = { backup: c.backup, interim: c.interim, target: target.t, password: c.password };
  c.log('reconcile plan (backup on the private server)');
  const plan = await makePlan(pair, c.dir, 'plan-remote', c.o.repeat);
  commands.plan = plan;
  if (!c.o.cases.has('apply')) return { plan };
  c.log('reconcile apply (stale check), apply --execute, verify; CHECKSUM TABLE around them');
  const apply = await applyPlanFigures(plan, pair, c.o.repeat, target.reset, c.o.parallel);
  commands.applyDryRun = apply.staleCheck;
  commands.apply = apply.apply;
  commands.verify = apply.verify;
  const dumpTarget = await interimCopy(c, 'target_dump');
  c.log('mariadb-dump --where … | mariadb of the same rows');
  const dump = await timedWrites(c.o.repeat, dumpTarget.reset, () =>
    dumpPipe(c.backup, dumpTarget.t, c.shape),
  );
  const rowsAdded = (await countRows(dumpTarget.t)).total - c.interimRows;
  return { plan, apply, dumpPipe: { ...dump, rowsAdded } };
}

/** The backup on the target's server: plan, apply --execute; a plain INSERT … SELECT beside. */
async function sameServerGroup(
  c: Ctx,
  commands: Record<string, CommandFigure>,
): Promise<Pick<DataFigures, 'sameServer'>> {
  if (!c.o.cases.has('local')) return {};
  c.log('same server: generating a copy of the backup there');
  const backupLocal = benchSchema(c.o.server, 'backup_local', c.cleanup, c.o.keep);
  await loadSide(backupLocal, c.shape, 'backup');
  const target = await interimCopy(c, 'target_local');
  const plain = await interimCopy(c, 'target_plain');
  const pair = { backup: backupLocal, interim: c.interim, target: target.t, password: c.password };
  c.log('same server: reconcile plan, apply --execute');
  const plan = await makePlan(pair, c.dir, 'plan-local', c.o.repeat);
  const apply = await executeApply(plan, pair, c.o.repeat, target.reset, c.o.parallel);
  commands.planSameServer = plan;
  commands.applySameServer = apply;
  c.log('same server: plain INSERT … SELECT of the same rows');
  const insert = await timedWrites(c.o.repeat, plain.reset, () =>
    insertSelect(backupLocal, plain.t, c.shape),
  );
  const rowsAdded = (await countRows(plain.t)).total - c.interimRows;
  return { sameServer: { plan, apply, insertSelect: { ...insert, rowsAdded } } };
}
