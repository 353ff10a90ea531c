import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * The one place that says which way imports run. A folder of `src/` may import its own files
 * and folders of a lower or equal rank; never a higher one. Folders of one rank are one stage
 * (the diff and its server-side checksum pre-pass).
 *
 * `.` is the top of `src/` (errors, logging, the text grid): every stage may use it.
 */
const RANKS: Readonly<Record<string, number>> = {
  '.': 0,
  db: 1,
  introspect: 2,
  config: 3,
  hash: 4,
  cell: 5,
  sql: 6,
  chunk: 6,
  diff: 7,
  checksum: 7,
  plan: 8,
  apply: 9,
  verify: 10,
  rehearse: 11,
  report: 12,
  init: 12,
  cli: 13,
  demo: 14,
};

const SRC = resolve('src');

/** The stage folder of a file under src/ (its first path segment, or `.`). */
function stageOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split('/')[0] ?? '.';
  return rel.includes('/') ? first : '.';
}

/** Every `from '…'` and `import('…')` of a relative module, as the file it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const spec = m[1];
    if (spec) out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** Whether an import from `file` of `target` runs up the stages. */
function runsUp(file: string, target: string): boolean {
  return (RANKS[stageOf(target)] ?? Number.POSITIVE_INFINITY) > (RANKS[stageOf(file)] ?? -1);
}

describe('imports run one way (down the stages)', () => {
  const files = sourceFiles(SRC);

  it('every folder of src/ has a rank', () => {
    const unranked = [...new Set(files.map(stageOf))].filter((s) => !(s in RANKS));
    expect(unranked, 'add the folder to RANKS in this test').toEqual([]);
  });

  it('no file imports a higher stage', () => {
    const upward: string[] = [];
    for (const f of files) {
      for (const target of importsOf(f)) {
        if (runsUp(f, target)) {
          upward.push(
            `${relative(SRC, f)} imports ${relative(SRC, target)} (${stageOf(f)} → ${stageOf(target)})`,
          );
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('tells an upward import from a downward one', () => {
    const at = (p: string): string => join(SRC, p);
    expect(runsUp(at('db/mysql.ts'), at('plan/format.ts'))).toBe(true);
    expect(runsUp(at('errors.ts'), at('db/quote.ts'))).toBe(true);
    expect(runsUp(at('plan/run-plan.ts'), at('db/mysql.ts'))).toBe(false);
    expect(runsUp(at('diff/engine.ts'), at('checksum/probe.ts'))).toBe(false);
    expect(runsUp(at('plan/run-plan.ts'), at('newstage/x.ts'))).toBe(true);
  });
});
