import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, PlanManifest } from '../../src/plan/format.js';
import { escapeMarkdown } from '../../src/report/escape.js';
import { renderHtml } from '../../src/report/html.js';
import { loadReport } from '../../src/report/load-report.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { differingColumns, seconds, TableActionSummary } from '../../src/report/report-data.js';
import { writeRehearsal, writeVerification } from '../../src/report/run-results.js';
import { runCli } from '../support/cli.js';
import {
  NASTY,
  rehearsalFor,
  shopFixture,
  verificationFor,
  writeFixturePlan,
} from '../support/report-fixture.js';

let root: string;
let dir: string;
let manifest: PlanManifest;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reconcile-report-'));
  dir = join(root, 'plan');
  const f = shopFixture();
  manifest = await writeFixturePlan(dir, f.tables, f.remaps, [
    { table: 'audit_log', reason: 'skip: true in the config' },
  ]);
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** data-value numbers of the elements matching `attr="name"`. */
function values(html: string, attr: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`${attr}="([^"]+)"[^>]*><span class="n" data-value="(\\d+)"`, 'g');
  for (const m of html.matchAll(re)) out[m[1] as string] = Number(m[2]);
  return out;
}

describe('the HTML report', () => {
  it('stands alone: no script, no external asset, no network', async () => {
    const html = renderHtml(await loadReport(dir, { samples: 5 }));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import/i);
  });

  it('shows the plan totals and per-table counts as the manifest has them', async () => {
    const html = renderHtml(await loadReport(dir, { samples: 5 }));
    const totals = values(html, 'data-total');
    expect(totals).toEqual({
      identical: manifest.totals.identical,
      changed: manifest.totals.changed,
      onlyBackup: manifest.totals.onlyBackup,
      onlyInterim: manifest.totals.onlyInterim,
      collision: manifest.totals.collision,
      insert: manifest.totals.insert,
      update: manifest.totals.update,
      delete: manifest.totals.delete,
      unresolved: manifest.totals.unresolved,
      keep: manifest.totals.keep,
    });
    expect(manifest.totals.unresolved).toBe(2);
    expect(html).toContain('data-field="update" data-value="12"');
  });

  it('escapes every name and value from the plan', async () => {
    const html = renderHtml(await loadReport(dir, { samples: 5 }));
    expect(html).toContain('a`b &lt;c&gt; | *d* &amp;amp;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('O&#39;Brien&#39;s &lt;b&gt;Books&lt;/b&gt;');
    expect(html).not.toContain('<c>');
    expect(html).not.toContain('<b>Books');
    expect(html).not.toContain('<now>');
  });

  it('highlights the columns a conflict differs in, and names the rule', async () => {
    const html = renderHtml(await loadReport(dir, { samples: 5 }));
    // merchant 3: both sides hold the email; id, name and created_at differ.
    const conflict = html.slice(html.indexOf('uk_merchants_email'));
    expect(conflict).toMatch(/<th class="diff">id<\/th>/);
    expect(conflict).toMatch(/<th>email<\/th>/);
    expect(conflict).toContain('<td class="diff">Book Nook</td>');
    expect(html).toContain('<code>onChanged=newest</code>');
    expect(html).toMatch(
      /<td><code>merchants\.id<\/code><\/td><td>interim<\/td><td class="n" data-value="8">/,
    );
  });

  it('lists decisions without actions and the tables left alone', async () => {
    const data = await loadReport(dir, { samples: 5 });
    const html = renderHtml(data);
    expect(html).toContain(
      '<li><code>merchants</code>: uk_merchants_email = (&quot;m9@x&quot;): the backup&#39;s row (&quot;9&quot;) is merged into the interim&#39;s row (&quot;60&quot;) &lt;b&gt;</li>',
    );
    expect(html).toContain('<li><code>audit_log</code>: skip: true in the config</li>');
    const md = renderMarkdown(data);
    expect(md).toContain('- left alone: audit\\_log: skip: true in the config');
    expect(md).toContain('- merchants: uk\\_merchants\\_email = ("m9@x"): the backup\'s row');
  });

  it("shows the plan's warnings in the verdict, escaped", async () => {
    const data = await loadReport(dir, { samples: 5 });
    const html = renderHtml(data);
    expect(html).toContain(
      'merchants: 2 rows changed on both sides have created_at = 2020-02-23 &lt;i&gt;',
    );
    expect(renderMarkdown(data)).toContain(
      '- ! merchants: 2 rows changed on both sides have created\\_at',
    );
  });

  it('says "not run" without rehearsal and verification results', async () => {
    const data = await loadReport(dir, { samples: 5 });
    expect(data.rehearsal).toEqual({ state: 'absent' });
    const html = renderHtml(data);
    expect(html).toContain('data-status="rehearsal">rehearsal: not run');
    expect(html).toContain('data-status="verification">verification: not run');
    expect(renderMarkdown(data)).toContain('– verification: not run');
  });

  it('shows rehearsal timings and a failed verification when the folder holds them', async () => {
    const d = join(root, 'with-results');
    const f = shopFixture();
    const m = await writeFixturePlan(d, f.tables, f.remaps);
    await writeRehearsal(d, rehearsalFor(m));
    await writeVerification(d, verificationFor(m, 'orders'));
    const data = await loadReport(d, { samples: 5 });
    const html = renderHtml(data);
    expect(html).toContain('projected window: 11.4 s');
    expect(html).toContain('<title>Rehearsal time per table</title>');
    expect(html).toMatch(/data-verification="failed"/);
    expect(html).toContain(
      'verification FAILED: 1 table of mysql://dba@db.example:3306/shop differ',
    );
    const md = renderMarkdown(data);
    const after = m.tables.find((t) => t.table === 'orders')?.digestAfter.count;
    expect(after).toBe('715');
    expect(md).toContain(`| orders | **mismatch** | ${after} | 1 | 0 | 1 |`);
    // The keys verify named, as it printed them, escaped.
    expect(html).toContain(
      '<p><code>orders</code>: 2 keys differ from the plan</p><ul><li><code>id=5: differs (the row at this key is not the one the plan writes)</code></li><li><code>id=7: missing (a row &lt;b&gt;&#39;x&#39;&lt;/b&gt; the plan inserts; the target has none)</code></li></ul>',
    );
    expect(md).toContain(
      'orders: 2 keys differ from the plan:\n\n- `id=5: differs (the row at this key is not the one the plan writes)`\n- `id=7: missing',
    );
    expect(md).toContain('**projected window 11.4 s**');
  });

  it('ignores results left by another plan, and unreadable ones, saying so', async () => {
    const d = join(root, 'stale-results');
    const f = shopFixture();
    const m = await writeFixturePlan(d, f.tables, f.remaps);
    await writeRehearsal(d, { ...rehearsalFor(m), planId: 'f'.repeat(64) });
    await writeFile(join(d, 'verification.json'), '{"planId": 1');
    const data = await loadReport(d, { samples: 5 });
    expect(data.rehearsal).toEqual({ state: 'other-plan', planId: 'f'.repeat(64) });
    expect(data.verification).toEqual({ state: 'invalid', problem: 'not valid JSON' });
    await writeFile(join(d, 'verification.json'), JSON.stringify({ planId: m.planId, ok: 'yes' }));
    const again = await loadReport(d, { samples: 5 });
    expect(again.verification.state).toBe('invalid');
    expect(renderHtml(again)).toContain('verification.json is unreadable (formatVersion:');
  });
});

describe('the Markdown report', () => {
  it('carries the totals and escapes names so tables stay tables', async () => {
    const md = renderMarkdown(await loadReport(dir, { samples: 5 }));
    expect(md).toContain(
      `| ${escapeMarkdown(NASTY)} | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | none |`,
    );
    expect(md).toContain('a\\`b \\<c\\> \\| \\*d\\* \\&amp;');
    expect(md).toContain('| merchants | 23 | 5 | 14 | 5 | 8 | 1 | 1 | 0 | 1 | 36 | none |');
    expect(md).toContain('| 723 | 18 | 14 | 8 | 8 | 1 | 13 | 1 | 2 | 739 |');
    // Every table row has as many cells as its header.
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) {
      expect(line.replaceAll('\\|', '').endsWith('|')).toBe(true);
    }
  });
});

describe('TableActionSummary', () => {
  const upd = (id: string, rule = 'onChanged=prefer-interim'): Action => ({
    op: 'update',
    rule,
    key: { id },
    row: { id, v: 'b' },
    before: { id, v: 'a' },
    hash: '0',
    beforeHash: '1',
    columns: ['v'],
  });

  it('counts actions by rule and keeps the first samples only', () => {
    const s = new TableActionSummary(2);
    for (const id of ['1', '2', '3']) s.add(upd(id));
    s.add({ op: 'delete', rule: 'x', key: { id: '9' }, before: { id: '9' }, beforeHash: '2' });
    const r = s.result(manifest.tables[0] as never);
    expect(r.rules).toEqual([
      { rule: 'onChanged=prefer-interim', op: 'update', count: 3 },
      { rule: 'x', op: 'delete', count: 1 },
    ]);
    expect(r.changes.map((c) => c.key.id)).toEqual(['1', '2']);
  });

  it('spreads samples over the rules that decided them', () => {
    const take = (limit: number): string[] => {
      const s = new TableActionSummary(limit);
      for (const id of ['1', '2', '3', '4']) s.add(upd(id, 'remap'));
      for (const id of ['7', '8']) s.add(upd(id, 'edit'));
      return s.result(manifest.tables[0] as never).changes.map((c) => `${c.rule}:${c.key.id}`);
    };
    expect(take(2)).toEqual(['remap:1', 'edit:7']);
    expect(take(3)).toEqual(['remap:1', 'edit:7', 'remap:2']);
    expect(take(10)).toEqual(['remap:1', 'edit:7', 'remap:2', 'edit:8', 'remap:3', 'remap:4']);
  });

  it('finds differing columns, bytes and NULL included', () => {
    expect(
      differingColumns(
        { a: '1', b: { hex: '00' }, c: null, d: 'x' },
        { a: '1', b: { hex: '01' }, c: '', e: 'y' },
      ),
    ).toEqual(['b', 'c', 'd', 'e']);
    expect(differingColumns(null, { a: '1' })).toEqual([]);
  });
});

describe('reconcile report (CLI)', () => {
  it('prints Markdown on stdout by default, writes HTML and Markdown files when asked', async () => {
    const md = await runCli(['report', '--plan', dir]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# reconcile report: plan [0-9a-f]{12}\n/);
    const html = join(root, 'r.html');
    const mdFile = join(root, 'r.md');
    const r = await runCli(['report', '--plan', dir, '--html', html, '--markdown', mdFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`report written: ${html}\nreport written: ${mdFile}\n`);
    expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(await readFile(mdFile, 'utf8')).toBe(md.stdout);
  });

  it('refuses an edited plan (exit 3) and a missing one (exit 2), in one line', async () => {
    const d = join(root, 'edited');
    const f = shopFixture();
    const m = await writeFixturePlan(d, f.tables, f.remaps);
    const file = join(d, m.tables[1]?.file as string);
    const original = await readFile(file);
    const text = gunzipSync(original).toString('utf8');
    await writeFile(file, gzipSync(text.replace('shipped', 'cancelled')));
    const edited = await runCli(['report', '--plan', d]);
    expect(edited.code).toBe(3);
    expect(edited.stderr.trim().split('\n')).toHaveLength(1);
    expect(edited.stderr).toContain('was edited or truncated (sha256 differs from plan.json)');
    // a gzip stream cut short: the same one line, not zlib's error with a stack
    await writeFile(file, original.subarray(0, original.length - 5));
    const cut = await runCli(['report', '--plan', d]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toMatch(
      /^reconcile: plan [0-9a-f]{12}: actions\/002-\S+\.jsonl\.gz was edited or truncated \(not a whole gzip file: unexpected end of file\)\n$/,
    );
    const missing = await runCli(['report', '--plan', join(root, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no plan at .*nowhere: plan\.json not found/);
  });
});

describe('durations', () => {
  it('read naturally at every scale, with no 60 in a place that stops at 59', () => {
    expect([0.4217, 9.999, 12.34, 59.97, 245, 3599.6, 7380].map(seconds)).toEqual([
      '0.42 s',
      '10.0 s',
      '12.3 s',
      '1 min 00 s',
      '4 min 05 s',
      '1 h 00 min',
      '2 h 03 min',
    ]);
  });
});
