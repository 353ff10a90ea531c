/**
 * The targets of issue 11 (DESIGN.md §10), each as { value, limit, met } from the figures one
 * run of `npm run bench:scale` measured; a target whose case did not run is absent.
 */
import type { ApplyFigures, PlanFigure } from './scale-apply.js';
import { type CommandFigure, round } from './scale-cli.js';
import type { DemoFigure } from './scale-demo.js';
import type { ResumeFigure } from './scale-diff.js';
import type { RestoredData } from './scale-schemas.js';

export interface Target {
  readonly value: number | null;
  readonly limit: number;
  /** `value ≤ limit` (`<` for memory); null when the value could not be measured */
  readonly met: boolean | null;
}

export interface Measured {
  readonly restored: RestoredData;
  readonly commands: Record<string, CommandFigure>;
  readonly plan?: PlanFigure;
  readonly apply?: ApplyFigures;
  readonly dumpPipeSeconds?: number;
  readonly applySameServer?: CommandFigure;
  readonly insertSelectSeconds?: number;
  readonly resume?: ResumeFigure;
  readonly demo?: DemoFigure;
}

function atMost(value: number | null, limit: number): Target {
  return { value, limit, met: value === null ? null : value <= limit };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b <= 0 ? null : round(a / b, 3);
}

export function ratios(m: Measured): Record<string, number | null> {
  return {
    planFolderOverRestoredTextBytes: ratio(m.plan?.folder.bytes, m.restored.textBytes),
    planFolderOverRestoredInnodbBytes: ratio(m.plan?.folder.bytes, m.restored.innodbBytes),
    applyOverDumpPipe: ratio(m.apply?.apply.seconds, m.dumpPipeSeconds),
    applyWriteOverDumpPipe: ratio(m.apply?.apply.writeSeconds, m.dumpPipeSeconds),
    applySameServerOverInsertSelect: ratio(m.applySameServer?.seconds, m.insertSelectSeconds),
    verifyOverChecksum: ratio(m.apply?.verify.seconds, m.apply?.checksumAfterSeconds),
    staleCheckOverChecksum: ratio(m.apply?.staleCheck.checkSeconds, m.apply?.checksumBeforeSeconds),
    staleCheckCommandOverChecksum: ratio(
      m.apply?.staleCheck.seconds,
      m.apply?.checksumBeforeSeconds,
    ),
    resumedDiffShareOfFull: m.resume?.shareOfFull ?? null,
  };
}

export function targets(m: Measured): Record<string, Target> {
  const r = ratios(m);
  const out: Record<string, Target> = {};
  if (m.plan)
    out.planFolderAtMost2PctOfRestoredData = atMost(
      r.planFolderOverRestoredTextBytes ?? null,
      0.02,
    );
  if (m.apply && m.dumpPipeSeconds !== undefined) {
    out.applyAtMost1_5xDumpPipe = atMost(r.applyOverDumpPipe ?? null, 1.5);
  }
  if (m.applySameServer) {
    out.applySameServerAtMost1_5xInsertSelect = atMost(
      r.applySameServerOverInsertSelect ?? null,
      1.5,
    );
  }
  if (m.apply) {
    out.verifyAtMost2xChecksum = atMost(r.verifyOverChecksum ?? null, 2);
    out.staleCheckAtMost2xChecksum = atMost(r.staleCheckOverChecksum ?? null, 2);
  }
  // The CLI's commands; the demo (all of them in one process, npm's included) has its own.
  const peaks = Object.entries(m.commands)
    .filter(([name]) => name !== 'demo')
    .map(([, c]) => c.peakRssMB);
  if (peaks.length > 0) {
    const known = peaks.filter((p): p is number => p !== null);
    const worst = known.length === peaks.length ? Math.max(...known) : null;
    out.everyCommandPeakRssUnder200MB = {
      value: worst,
      limit: 200,
      met: worst === null ? null : worst < 200,
    };
  }
  if (m.resume) {
    const share = m.resume.finishedBeforeKill ? null : m.resume.shareOfFull;
    out.resumedDiffAtMost60PctOfFull = atMost(share, 0.6);
  }
  if (m.demo) {
    const rss = m.demo.peakRssMB;
    out.demoPeakRssUnder300MB = { value: rss, limit: 300, met: rss === null ? null : rss < 300 };
    if (m.demo.readmeSeconds !== null) {
      out.demoWithinReadmeTime = atMost(m.demo.seconds, m.demo.readmeSeconds);
    }
  }
  return out;
}
