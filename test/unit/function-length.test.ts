import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * No function of `src/` (declaration, method, constructor, accessor, arrow or function
 * expression) is longer than MAX_LINES, counted from its first line to its last. One that
 * reads better whole says so: a comment holding "reads better whole" (and why) on one of the
 * three lines above it.
 */
const MAX_LINES = 80;
const WHOLE = 'reads better whole';

const SRC = resolve('src');

function isFunctionLike(n: ts.Node): n is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n) ||
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n)
  );
}

function nameOf(n: ts.FunctionLikeDeclaration): string {
  if (n.name) return n.name.getText();
  if (ts.isConstructorDeclaration(n)) return 'constructor';
  const p = n.parent;
  if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))
    return p.name.getText();
  return '<anonymous>';
}

/** `file:line name (N lines)` for each function of `text` over the limit, unless excused. */
function longFunctions(file: string, text: string, maxLines: number): string[] {
  const lines = text.split('\n');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const length = last - first + 1;
      const above = lines.slice(Math.max(0, first - 3), first).join('\n');
      if (length > maxLines && !above.includes(WHOLE)) {
        out.push(`${relative(SRC, file)}:${first + 1} ${nameOf(n)} (${length} lines)`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('function length', () => {
  it(`no function of src/ is longer than ${MAX_LINES} lines unless it says it ${WHOLE}`, () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const long = files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8'), MAX_LINES));
    expect(long).toEqual([]);
  });

  it('counts every kind of function, and lets one that reads better whole be', () => {
    const body = '  a();\n  b();\n  c();\n';
    const text = [
      `function declared() {\n${body}}`,
      `const arrow = () => {\n${body}};`,
      `class C {\n  method() {\n${body}  }\n}`,
      `// ${WHOLE}: one table of cases\nfunction excused() {\n${body}}`,
    ].join('\n');
    expect(longFunctions(join(SRC, 'x.ts'), text, 4)).toEqual([
      'x.ts:1 declared (5 lines)',
      'x.ts:6 arrow (5 lines)',
      'x.ts:12 method (5 lines)',
    ]);
  });
});
