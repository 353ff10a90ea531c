import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerInfo } from '../db/types.js';
import { type DbTarget, parseDbUrl, withSchema } from '../db/url.js';
import type { Progress } from '../diff/progress.js';
import type { DiffDocument } from '../diff/result.js';
import { runDiff } from '../diff/run-diff.js';
import { errnoCode } from '../errno.js';
import { UsageError } from '../errors.js';
import { runReport } from '../report/run-report.js';
import { demoConfigYaml, demoSchemas } from './demo-config.js';
import type { IncidentOptions } from './incident.js';
import { generateAndLoad } from './incident-sql.js';
import { diffLines, incidentLines } from './narrate.js';
import {
  applyStep,
  type PipelineContext,
  planLines,
  planStep,
  rehearseStep,
  verifyStep,
} from './pipeline.js';

export interface DemoOptions extends IncidentOptions {
  /** a server that answers (see ensureServer), without a schema */
  readonly server: string;
  readonly serverInfo: ServerInfo;
  /** the schemas are `<prefix>_backup` and `<prefix>_interim` */
  readonly prefix: string;
  /** where the config, diff, plan and report go (emptied first) */
  readonly outDir: string;
  readonly logger: Logger;
  readonly progress: Progress;
  /** one line of the story, on stdout */
  readonly say: (line: string) => void;
}

export interface DemoStep {
  readonly step: string;
  readonly seconds: number;
}

export interface DemoResult {
  readonly schemas: { readonly backup: DbTarget; readonly interim: DbTarget };
  readonly configFile: string;
  readonly diff: DiffDocument;
  readonly planDir: string;
  /** the verification of the merged target passed */
  readonly verified: boolean;
  readonly reportHtml: string;
  readonly steps: readonly DemoStep[];
}

/**
 * The demo: a generated incident, then the pipeline on it, each step called in process and
 * narrated. Schemas and the output folder are the demo's own and are recreated on every run.
 * Longer than most functions here on purpose: it is the demo's script, its steps in the order
 * a DBA runs them, and it reads better whole than split across helpers.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const steps: DemoStep[] = [];
  let count = 0;
  const step = async <T>(name: string, fn: () => Promise<T>, lines: (r: T) => string[]) => {
    const t0 = performance.now();
    const r = await fn();
    const seconds = (performance.now() - t0) / 1000;
    steps.push({ step: name, seconds });
    o.logger.info({ event: 'demo.step', step: name, ms: Math.round(seconds * 1000) }, name);
    const [first, ...rest] = lines(r);
    count++;
    o.say(`${`${count}.`.padEnd(3)}${name.padEnd(10)}${first ?? ''}`);
    for (const l of rest) o.say(`             ${l}`);
    return r;
  };

  const names = demoSchemas(o.prefix);
  const base = parseDbUrl(`${o.server}/${encodeURIComponent(names.backup)}`, 'server');
  const schemas = { backup: base, interim: withSchema(base, names.interim) };
  await resetOutDir(o.outDir);

  await step(
    'incident',
    // Generated straight into the schemas: the incident is never whole in memory.
    () => generateAndLoad({ rows: o.rows, seed: o.seed }, schemas),
    (incident) => [
      `${names.backup} and ${names.interim} (seed ${o.seed}, --rows ${o.rows})`,
      ...incidentLines(incident),
    ],
  );

  const configFile = join(o.outDir, 'config.yaml');
  await writeFile(configFile, demoConfigYaml(schemas));

  const diff = await step(
    'diff',
    async () => {
      const doc = await runDiff({
        ...schemas,
        tables: null,
        concurrency: 4,
        method: 'auto',
        sampleLimit: 20,
        outDir: null,
        logger: o.logger,
        progress: o.progress,
      });
      await writeFile(join(o.outDir, 'diff.json'), `${JSON.stringify(doc, null, 2)}\n`);
      return doc;
    },
    diffLines,
  );

  const ctx: PipelineContext = {
    logger: o.logger,
    progress: o.progress,
    // The plan names its sources without a password; the demo's comes from its server URL.
    env: base.password === undefined ? process.env : { ...process.env, MYSQL_PWD: base.password },
  };
  const planDir = join(o.outDir, 'plan');
  const manifest = await step(
    'plan',
    () => planStep(ctx, configFile, planDir),
    (m) => planLines(m, planDir),
  );
  const rehearsal = await step(
    'rehearse',
    () => rehearseStep(ctx, planDir, manifest),
    (r) => r.lines,
  );
  let verified = false;
  if (rehearsal.ok) {
    await step(
      'apply',
      () => applyStep(ctx, planDir, manifest),
      (lines) => lines,
    );
    const v = await step(
      'verify',
      () => verifyStep(ctx, planDir, manifest),
      (r) => r.lines,
    );
    verified = v.ok;
  } else {
    o.say(
      '             the rehearsal failed: a DBA stops here, and so does the demo (nothing applied)',
    );
  }

  const reportHtml = join(o.outDir, 'report.html');
  const reportMd = join(o.outDir, 'report.md');
  await step(
    'report',
    () =>
      runReport({ planDir, html: reportHtml, markdown: reportMd, samples: 5, logger: o.logger }),
    () => [reportHtml, `${reportMd} (Markdown, for a ticket)`],
  );
  return { schemas, configFile, diff, planDir, verified, reportHtml, steps };
}

/** Marks a folder as the demo's, so that a rerun may empty it and nothing else is ever emptied. */
const MARKER = '.reconcile-demo';

async function resetOutDir(dir: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new UsageError(
      `--out ${dir}: the folder holds files the demo did not write; name an empty or new folder`,
    );
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), 'written by npm run demo: emptied on every run\n');
}
