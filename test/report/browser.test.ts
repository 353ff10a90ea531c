import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfigYaml } from '../../src/demo/demo-config.js';
import { generateIncident } from '../../src/demo/incident.js';
import { loadIncident } from '../../src/demo/incident-sql.js';
import { applyStep, planStep, rehearseStep, verifyStep } from '../../src/demo/pipeline.js';
import { noProgress } from '../../src/diff/progress.js';
import { silentLogger } from '../../src/log.js';
import type { PlanManifest } from '../../src/plan/format.js';
import { renderHtml } from '../../src/report/html.js';
import { loadReport } from '../../src/report/load-report.js';
import { writeRehearsal, writeVerification } from '../../src/report/run-results.js';
import { haveChromium, openBrowser } from '../support/browser.js';
import {
  NASTY,
  rehearsalFor,
  shopFixture,
  verificationFor,
  writeFixturePlan,
} from '../support/report-fixture.js';
import { TestSchemas } from '../support/schemas.js';

const schemas = new TestSchemas();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reconcile-browser-'));
});
afterAll(async () => {
  await schemas.drop();
  await rm(root, { recursive: true, force: true });
});

/** Writes the report of a plan folder, opens it, and checks what every page must satisfy. */
async function openReport(
  page: Page,
  dir: string,
  manifest: PlanManifest,
): Promise<{ problems: string[]; requests: string[] }> {
  const html = join(dir, 'report.html');
  await writeFile(html, renderHtml(await loadReport(dir, { samples: 5 })));
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

  // The numbers a reader sees are the plan's.
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
    manifest.order.map((name) => {
      const t = manifest.tables.find((x) => x.table === name);
      return { table: name, cells: { ...t?.counts, ...t?.actions } };
    }),
  );
  expect(await page.locator('script, img, link, iframe').count()).toBe(0);
  return { problems, requests };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir('test-artifacts', { recursive: true });
  const shot = resolve('test-artifacts', name);
  await page.screenshot({ path: shot, fullPage: true });
  expect(existsSync(shot)).toBe(true);
}

describe('the HTML report in headless Chromium', () => {
  it.skipIf(!haveChromium)(
    "a real plan of the demo incident: no console error, no request, the plan's numbers",
    async () => {
      const backup = await schemas.create('br_b');
      const interim = await schemas.create('br_i');
      await loadIncident(generateIncident({ rows: 300, seed: 3 }), { backup, interim });
      const configFile = join(root, 'config.yaml');
      await writeFile(configFile, demoConfigYaml({ backup, interim }));
      const dir = join(root, 'real-plan');
      const ctx = {
        logger: silentLogger(),
        progress: noProgress,
        env: { ...process.env, MYSQL_PWD: backup.password ?? '' },
      };
      const manifest = await planStep(ctx, configFile, dir);
      expect(manifest.totals.collision).toBeGreaterThan(0);
      // The whole pipeline, so that the report shows a rehearsal and a verification.
      expect((await rehearseStep(ctx, dir, manifest)).ok).toBe(true);
      await applyStep(ctx, dir, manifest);
      expect((await verifyStep(ctx, dir, manifest)).ok).toBe(true);
      const browser = await openBrowser();
      try {
        const page = await browser.ctx.newPage();
        const { problems, requests } = await openReport(page, dir, manifest);
        const remapped = await page.$$eval('#remaps tr[data-remap] td.n', (tds) =>
          tds.map((td) => Number(td.getAttribute('data-value'))),
        );
        expect(remapped).toEqual(manifest.remaps.map((r) => r.count));
        expect(await page.locator('[data-status="rehearsal"]').textContent()).toMatch(
          /^rehearsal passed on a scratch copy/,
        );
        expect(await page.locator('[data-status="verification"]').textContent()).toMatch(
          /^verified: all 7 tables/,
        );
        expect(await page.locator('#rehearsal svg.chart').count()).toBe(1);
        await screenshot(page, 'report.png');
        expect(problems).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it.skipIf(!haveChromium)(
    'a hand-made plan with awkward names, a rehearsal and a verification: shown as text',
    async () => {
      const dir = join(root, 'fixture-plan');
      const f = shopFixture();
      const manifest = await writeFixturePlan(dir, f.tables, f.remaps);
      await writeRehearsal(dir, rehearsalFor(manifest));
      await writeVerification(dir, verificationFor(manifest));
      const { ctx, close } = await openBrowser();
      try {
        const page = await ctx.newPage();
        const { problems, requests } = await openReport(page, dir, manifest);
        // The awkward table name is shown as text, not parsed as markup.
        expect(await page.locator('#tables th code').allTextContents()).toContain(NASTY);
        expect(await page.locator('svg.chart').count()).toBe(2);
        expect(await page.locator('[data-status="verification"]').textContent()).toMatch(
          /^verified: all 3 tables/,
        );
        await screenshot(page, 'report-fixture.png');
        expect(problems).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      } finally {
        await close();
      }
    },
  );
});
