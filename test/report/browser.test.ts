import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanManifest } from '../../src/plan/format.js';
import { renderHtml } from '../../src/report/html.js';
import { loadReport } from '../../src/report/load-report.js';
import { writeRehearsal, writeVerification } from '../../src/report/run-results.js';
import { haveChromium, openBrowser } from '../support/browser.js';
import { rehearsalFor, shopFixture, verificationFor, writeFixturePlan } from './fixture-plan.js';

let root: string;
let htmlPath: string;
let manifest: PlanManifest;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reconcile-browser-'));
  const dir = join(root, 'plan');
  const f = shopFixture();
  manifest = await writeFixturePlan(dir, f.tables, f.remaps);
  await writeRehearsal(dir, rehearsalFor(manifest));
  await writeVerification(dir, verificationFor(manifest));
  htmlPath = join(root, 'report.html');
  await writeFile(htmlPath, renderHtml(await loadReport(dir, { samples: 5 })));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the HTML report in headless Chromium', () => {
  it.skipIf(!haveChromium)(
    'loads with no console error and no request, shows the plan numbers, and is screenshotted',
    async () => {
      const { ctx, close } = await openBrowser();
      try {
        const page = await ctx.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

        const totals = await page.$$eval('[data-total]', (cards) =>
          Object.fromEntries(
            cards.map((c) => [
              c.getAttribute('data-total'),
              Number(c.querySelector('.n')?.textContent?.replaceAll(',', '')),
            ]),
          ),
        );
        expect(totals).toEqual(manifest.totals);

        const perTable = await page.$$eval('#tables tr[data-table]', (rows) =>
          rows.map((r) => ({
            table: r.getAttribute('data-table'),
            cells: Object.fromEntries(
              [...r.querySelectorAll('td[data-field]')].map((td) => [
                td.getAttribute('data-field'),
                Number(td.textContent?.replaceAll(',', '')),
              ]),
            ),
          })),
        );
        expect(perTable).toEqual(
          manifest.tables.map((t) => ({ table: t.table, cells: { ...t.counts, ...t.actions } })),
        );
        // The nasty table name is shown as text, not parsed as markup.
        expect(await page.locator('#tables th code').allTextContents()).toContain(
          manifest.tables[2]?.table,
        );
        expect(await page.locator('script, img, link').count()).toBe(0);
        expect(await page.locator('svg.chart').count()).toBe(2);
        expect(await page.locator('[data-status="verification"]').textContent()).toMatch(
          /^verified: all 3 tables/,
        );

        await mkdir('test-artifacts', { recursive: true });
        const shot = resolve('test-artifacts/report.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(existsSync(shot)).toBe(true);
        expect(problems).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      } finally {
        await close();
      }
    },
  );
});
