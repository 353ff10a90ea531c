import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbTarget } from '../../src/db/url.js';
import { demoConfigYaml } from '../../src/demo/demo-config.js';
import { generateIncident } from '../../src/demo/incident.js';
import { loadIncident } from '../../src/demo/incident-sql.js';
import { runCli } from '../support/cli.js';
import { TestSchemas, urlOf } from '../support/schemas.js';

/**
 * Every command the README shows is run here: the synopsis lines are checked against each
 * command's --help (every option the README names exists), and the walkthrough is run line by
 * line, as written, on a small generated incident.
 */
const README = await readFile('README.md', 'utf8');
const shBlocks = (text: string) =>
  [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const reconcileLinesOf = (text: string) =>
  shBlocks(text)
    .flatMap((b) => b.split('\n').map((l) => l.trim()))
    .filter((l) => l.startsWith('reconcile '));
/**
 * The Connecting section's examples need what the suite does not have here (a cloud server
 * with TLS, an option file, a socket; test/connect/ runs each set-up on servers of its own):
 * their flags are checked against --help like the synopsis, they are not run.
 */
const connectingAt = README.indexOf('\n## Connecting\n');
const connectingEnd = README.indexOf('\n## ', connectingAt + 1);
const connecting = connectingAt < 0 ? '' : README.slice(connectingAt, connectingEnd);
const blocks = shBlocks(README);
const reconcileLines = reconcileLinesOf(README.replace(connecting, ''));
const synopsis = [
  ...reconcileLines.filter((l) => /[[|]|PLAN_DIR|\bURL\b/.test(l)),
  ...reconcileLinesOf(connecting),
];
const walkthrough = reconcileLines.filter((l) => !synopsis.includes(l));

const helps = new Map<string, string>();
async function help(command: string): Promise<string | null> {
  if (!helps.has(command)) {
    const r = await runCli([command, '--help']);
    // An unknown command's --help shows the program's help instead.
    helps.set(command, r.stdout.startsWith(`Usage: reconcile ${command} `) ? r.stdout : '');
  }
  return helps.get(command) || null;
}

describe('the README', () => {
  it('shows the quick start exactly, and all eight commands', () => {
    expect(blocks[0]).toBe('npm ci && npm run demo\nnpm test\n');
    const commands = new Set(synopsis.map((l) => l.split(/\s+/)[1]));
    expect([...commands].sort()).toEqual(
      ['apply', 'diff', 'init', 'plan', 'rehearse', 'report', 'rollback', 'verify'].sort(),
    );
    expect(walkthrough.length).toBeGreaterThan(5);
  });

  for (const line of synopsis) {
    const command = line.split(/\s+/)[1] as string;
    it(`synopsis: ${line}`, async (ctx) => {
      const text = await help(command);
      if (text === null) ctx.skip(`reconcile ${command} is not in this build yet`);
      for (const flag of line.match(/--[a-z-]+/g) ?? []) {
        expect(text, `${command} ${flag}`).toContain(`${flag} `);
      }
    });
  }
});

describe('the README walkthrough, run as written', () => {
  const schemas = new TestSchemas();
  let root: string;
  let pristine: DbTarget;
  let interim: DbTarget;
  const swaps: [string, string][] = [];
  beforeAll(async () => {
    const backup = await schemas.create('readme_b');
    interim = await schemas.create('readme_i');
    const incident = generateIncident({ rows: 200, seed: 5 });
    await loadIncident(incident, { backup, interim });
    // The interim as it was, to check the final rollback against.
    pristine = await schemas.create('readme_p');
    await loadIncident(incident, { backup: await schemas.create('readme_x'), interim: pristine });
    root = await mkdtemp(join(tmpdir(), 'reconcile-readme-'));
    await writeFile(join(root, 'reconcile.yaml'), demoConfigYaml({ backup, interim }));
    swaps.push(
      ['mysql://dba@db-restore:3306/shop_0223', urlOf(backup.schema)],
      ['mysql://dba@db-prod:3306/shop', urlOf(interim.schema)],
      ['reconcile.yaml', join(root, 'reconcile.yaml')],
      ['plan-0308', join(root, 'plan-0308')],
      ['proposed.yaml', join(root, 'proposed.yaml')],
    );
  });
  afterAll(async () => {
    await schemas.drop();
    await rm(root, { recursive: true, force: true });
  });

  /** What each walkthrough line must exit with on the demo incident. */
  const expected = (line: string): number => (line.startsWith('reconcile diff') ? 1 : 0);

  it('every line exits as documented', async (ctx) => {
    for (const line of walkthrough) {
      const args = line.split(/\s+/).slice(1);
      // Each line needs the ones before it: stop at the first command this build lacks.
      if ((await help(args[0] as string)) === null) {
        ctx.skip(`reconcile ${args[0]} is not in this build yet: stopped before "${line}"`);
      }
      const run = args.map((a) => swaps.reduce((s, [from, to]) => s.replace(from, to), a));
      const r = await runCli(run);
      expect(r.code, `${line}\n${r.stderr}`).toBe(expected(line));
    }
    // What the walkthrough promises: the report carries the rehearsal and the verification...
    const md = await readFile(join(root, 'plan-0308', 'report.md'), 'utf8');
    expect(md).toMatch(/^✓ passed on a scratch copy/m);
    expect(md).toMatch(/^✓ every table holds exactly the planned rows/m);
    // ...and the final rollback leaves the interim exactly as it was.
    const same = await runCli([
      'diff',
      '--backup',
      urlOf(pristine.schema),
      '--interim',
      urlOf(interim.schema),
    ]);
    expect(same.code, same.stdout).toBe(0);
  });
});
