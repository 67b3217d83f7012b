// Browser tests of the dashboard against the REAL service (node src/main.ts as a child process, the
// embedded sources and the built-in generator), in Debian's Chromium driven by playwright-core.
// One service data dir for the whole file, in this order: live movement with the generator on,
// screenshots, a kill and restart on the same port (the page must reconnect by itself and say what
// it missed), Gold KPIs checked against the SQLite sources read directly, and an injected fatal
// lakehouse error that must raise the banner until the worker is restarted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort, generate, REPO, startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { formatDuration } from '../../dashboard/src/lib/format.ts';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const SCREENSHOTS = join(REPO, 'screenshots');
const ENV = { LAKEHOUSE_FLUSH_INTERVAL_SEC: '1', GOLD_REFRESH_INTERVAL_SEC: '1', SSE_CDC_STATS_INTERVAL_SEC: '1', SSE_EMIT_CDC_RAW: 'true' };
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** What Chromium logs on its own while the service is down: expected during the restart test only. */
const NETWORK_NOISE = /net::ERR_|Failed to load resource|EventSource/;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let service: ServiceProcess;
let dataDir: string;
let port: number;
const started: ServiceProcess[] = [];
const consoleErrors: string[] = [];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard unless dist/dashboard is newer than every dashboard source (npm test builds first). */
function ensureDashboardBuilt(): void {
  const index = join(REPO, 'dist/dashboard/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(REPO, 'dashboard/src'))) return;
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'dashboard/vite.config.ts'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `dashboard build failed:\n${r.stdout}\n${r.stderr}`);
}

async function launch(): Promise<ServiceProcess> {
  const s = await startService({ ...ENV }, { dataDir, port });
  started.push(s);
  return s;
}

async function relaunch(extra: Record<string, string>): Promise<ServiceProcess> {
  const s = await startService({ ...ENV, ...extra }, { dataDir, port });
  started.push(s);
  return s;
}

/** The integer a counter shows ("1,234" -> 1234); NaN while it shows "–". */
async function shownInt(p: Page, testId: string): Promise<number> {
  const text = (await p.getByTestId(testId).textContent()) ?? '';
  return text.trim() === '–' ? Number.NaN : Number(text.replace(/,/g, ''));
}

function watchConsole(p: Page, into: string[]): void {
  p.on('console', (m) => {
    if (m.type() === 'error') into.push(m.text());
  });
  p.on('pageerror', (e) => into.push(`pageerror: ${e.message}`));
}

/** Tickets, open backlog and mean time to resolve computed on the sources, independently of the pipeline. */
function kpisFromSources(): { total: number; open: number; mttrSec: number | null } {
  let total = 0;
  let open = 0;
  let resolved = 0;
  let resolveMicros = 0;
  const micros = (iso: string) => Date.parse(`${iso.slice(0, 19)}Z`) * 1000 + Number((iso.slice(20, 26) || '0').padEnd(6, '0'));
  for (const source of SOURCES) {
    const db = new DatabaseSync(join(dataDir, 'sources', `${source}.db`), { readOnly: true });
    try {
      for (const row of db.prepare('SELECT Status, CreatedAt, ResolvedAt FROM Tickets').all() as Array<{
        Status: string;
        CreatedAt: string;
        ResolvedAt: string | null;
      }>) {
        total++;
        if (row.Status === 'Open' || row.Status === 'InProgress') open++;
        if (row.ResolvedAt !== null) {
          resolved++;
          resolveMicros += micros(row.ResolvedAt) - micros(row.CreatedAt);
        }
      }
    } finally {
      db.close();
    }
  }
  return { total, open, mttrSec: resolved > 0 ? resolveMicros / resolved / 1e6 : null };
}

before(async () => {
  const ensure = spawnSync('sh', [join(REPO, 'scripts/ensure-chromium.sh')], { encoding: 'utf8' });
  assert.equal(ensure.status, 0, `scripts/ensure-chromium.sh failed:\n${ensure.stdout}\n${ensure.stderr}`);
  ensureDashboardBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  dataDir = tempDataDir('shori-e2e-');
  port = await freePort();
  service = await launch();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  page = await context.newPage();
  watchConsole(page, consoleErrors);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  for (const s of started) await s.kill();
  if (dataDir) {
    // Undo the fault injection, if a failed test left it, so the directory can be removed.
    const log = join(dataDir, 'datalake/silver/tickets/_delta_log');
    if (existsSync(`${log}.moved`)) rmSync(log, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the page loads from the service with no console error and goes live', async () => {
  const response = await page.goto(service.url);
  assert.equal(response?.status(), 200);
  assert.equal(await page.title(), 'shori-realtime');
  await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
  await page.getByTestId('events-received').filter({ hasText: /^\d/ }).waitFor({ timeout: 20_000 });
  // The health panel shows the service's knobs, including the ones this test set.
  await page.getByTestId('health-knobs').locator('summary').click();
  await page.getByTestId('health-knobs').getByText('SSE_EMIT_CDC_RAW').waitFor();
  assert.deepEqual(consoleErrors, []);
});

test('counters, per-source counts, the chart and the lakehouse move while the generator runs', async () => {
  const received1 = await shownInt(page, 'events-received');
  const points1 = Number(await page.getByTestId('events-chart').getAttribute('data-points'));
  assert.ok(Number.isFinite(received1), 'events received shows a number');

  await page.waitForFunction(
    ([r, p]) => {
      const received = Number(document.querySelector('[data-testid="events-received"]')?.textContent?.replace(/,/g, ''));
      const points = Number(document.querySelector('[data-testid="events-chart"]')?.getAttribute('data-points'));
      return received > r && points >= p + 2;
    },
    [received1, points1] as const,
    { timeout: 30_000 },
  );
  assert.ok((await shownInt(page, 'events-received')) > received1);
  assert.equal(await shownInt(page, 'events-dropped'), 0);
  assert.match((await page.getByTestId('events-per-sec').textContent()) ?? '', /^\d+\.\d$/);
  // The chart is a real uPlot canvas with a size.
  const box = await page.getByTestId('events-chart').locator('canvas').boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, `chart canvas is drawn (${JSON.stringify(box)})`);

  for (const source of SOURCES) await page.getByTestId('per-source').getByText(source, { exact: true }).waitFor();

  await page.waitForFunction(() => Number(document.querySelector('[data-testid="batches-ok"]')?.textContent?.replace(/,/g, '')) > 0, undefined, {
    timeout: 30_000,
  });
  await page.getByTestId('kpi-total-tickets').filter({ hasText: /^\d/ }).waitFor({ timeout: 30_000 });

  // Raw feed: pick an event and read its JSON; pausing freezes the list.
  const first = page.getByTestId('raw-list').locator('button').first();
  await first.waitFor({ timeout: 20_000 });
  await first.click();
  const json = JSON.parse((await page.getByTestId('raw-json').textContent()) ?? '') as { topic: string; offset: number };
  assert.match(json.topic, /^shorisql_\d\./);
  assert.equal(typeof json.offset, 'number');
  await page.getByTestId('raw-pause').click();
  const frozen = await page.getByTestId('raw-list').locator('button').allTextContents();
  await page
    .getByTestId('raw-missed')
    .filter({ hasText: /^[1-9]/ })
    .waitFor({ timeout: 20_000 });
  assert.deepEqual(await page.getByTestId('raw-list').locator('button').allTextContents(), frozen);
  await page.getByTestId('raw-pause').click();

  assert.deepEqual(consoleErrors, []);
});

test('the table browser pages through a table and travels back in time', async () => {
  type Catalogue = { tables: Array<{ layer: string; name: string; num_rows: number }> };
  const bronzeRowsNow = async () =>
    ((await (await fetch(`${service.url}/api/tables`)).json()) as Catalogue).tables.find((t) => t.layer === 'bronze' && t.name === 'cdc_events')?.num_rows ?? 0;
  // Two full pages at least, so paging has somewhere to go.
  await waitFor('Bronze to hold more than 40 rows', async () => (await bronzeRowsNow()) > 40, 60_000, 500);
  const panel = page.getByTestId('panel-tables');
  await panel.getByTestId('table-select').selectOption('bronze.cdc_events');
  await panel
    .getByTestId('table-position')
    .filter({ hasText: /rows 1–20 of/ })
    .waitFor({ timeout: 20_000 });
  await panel.getByTestId('table-next').click();
  await panel
    .getByTestId('table-position')
    .filter({ hasText: /rows 21–40 of/ })
    .waitFor();
  await panel.getByTestId('table-version').fill('0');
  await panel
    .getByTestId('table-position')
    .filter({ hasText: /^v0 · / })
    .waitFor();
  const v0Text = (await panel.getByTestId('table-position').textContent()) ?? '';
  const atV0 = v0Text.includes('no rows') ? 0 : Number(/of ([\d,]+)/.exec(v0Text)![1].replace(/,/g, ''));
  const bronzeRows = await bronzeRowsNow();
  assert.ok(atV0 < bronzeRows, `version 0 has fewer rows (${atV0}) than the latest (${bronzeRows})`);
});

test('every Silver table is listed with its rows and schema version, and any of them can be browsed', async () => {
  const panel = page.getByTestId('panel-tables');
  await panel.getByRole('button', { name: 'Refresh' }).click();
  const list = panel.getByTestId('silver-tables');
  // The built-in workload writes Customers and Agents too: their Silver tables appear at run time.
  await waitFor(
    'customers and agents in the list',
    async () => {
      await panel.getByRole('button', { name: 'Refresh' }).click();
      const text = (await list.textContent().catch(() => '')) ?? '';
      return /customers [\d,]+ rows · schema v\d+/.test(text) && /agents_history [\d,]+ rows · schema v\d+/.test(text);
    },
    60_000,
    1_000,
  );
  await list.getByRole('button', { name: /^agents \d/ }).click();
  await panel.getByTestId('table-rows').locator('th', { hasText: 'AgentID' }).waitFor({ timeout: 20_000 });
  assert.equal(await panel.getByTestId('table-select').inputValue(), 'silver.agents');
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-laptop-silver-tables.png'), fullPage: true });
  assert.deepEqual(consoleErrors, []);
});

test('screenshots in light and dark, on a laptop and a phone', async () => {
  const backgrounds: Record<string, string> = {};
  for (const [device, viewport] of [
    ['laptop', { width: 1366, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport, colorScheme: scheme, isMobile: device === 'phone', hasTouch: device === 'phone' });
      const p = await ctx.newPage();
      const errors: string[] = [];
      watchConsole(p, errors);
      await p.goto(service.url);
      await p.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
      await p.getByTestId('kpi-total-tickets').filter({ hasText: /^\d/ }).waitFor({ timeout: 30_000 });
      await p.waitForFunction(() => Number(document.querySelector('[data-testid="events-chart"]')?.getAttribute('data-points')) >= 3, undefined, {
        timeout: 30_000,
      });
      await p.getByTestId('raw-list').locator('button').first().click();
      backgrounds[`${device}-${scheme}`] = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      // Nothing may overflow the viewport sideways (a phone must not scroll horizontally).
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${device}-${scheme}: page is ${overflow}px wider than the viewport`);
      await p.screenshot({ path: join(SCREENSHOTS, `dashboard-${device}-${scheme}.png`), fullPage: true });
      assert.deepEqual(errors, [], `${device}-${scheme}: console errors`);
      await ctx.close();
    }
  }
  assert.notEqual(backgrounds['laptop-light'], backgrounds['laptop-dark'], 'dark mode follows prefers-color-scheme');

  // The toggle overrides the system preference, and the choice survives a reload.
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 }, colorScheme: 'light' });
  const p = await ctx.newPage();
  await p.goto(service.url);
  await p.getByTestId('theme-toggle').click(); // system -> light
  await p.getByTestId('theme-toggle').click(); // light -> dark
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await p.reload();
  assert.equal(await p.evaluate(() => getComputedStyle(document.body).backgroundColor), backgrounds['laptop-dark']);
  await ctx.close();
});

test('after the service is killed and restarted on the same port and data dir, the page reconnects by itself', async () => {
  await page.getByTestId('events-received').filter({ hasText: /^\d/ }).waitFor();
  await service.kill();
  await page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor({ timeout: 30_000 });
  const notice = page.getByTestId('gap-notice');
  await notice.filter({ hasText: /Disconnected for .* not seen by this page/ }).waitFor({ timeout: 10_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-laptop-disconnected.png') });

  // The second life runs without the built-in generator, so the next test controls the sources.
  service = await relaunch({ GENERATOR_ENABLED: 'false' });
  await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
  await notice.filter({ hasText: /Reconnected after .* disconnected\. Events during that gap were not seen by this page/ }).waitFor({ timeout: 10_000 });
  // The killed service's counters are gone: the page says so instead of claiming a count of missed events.
  await notice.filter({ hasText: /service restarted meanwhile/ }).waitFor({ timeout: 15_000 });
  const unexpected = consoleErrors.filter((e) => !NETWORK_NOISE.test(e));
  assert.deepEqual(unexpected, []);
});

test('the Gold KPIs shown equal the values computed directly from the sources', async () => {
  await generate(dataDir, ['--count', '200', '--rate', '0', '--seed', '7']);
  const expected = kpisFromSources();
  assert.ok(expected.total > 0);
  const shownTotal = await waitFor(
    'the page to show the total from the sources',
    async () => {
      const total = await shownInt(page, 'kpi-total-tickets');
      return total === expected.total ? total : false;
    },
    120_000,
    500,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}: page shows ${await shownInt(page, 'kpi-total-tickets')}, sources have ${expected.total}`);
  });
  assert.equal(shownTotal, expected.total);
  await page.waitForFunction((n) => document.querySelector('[data-testid="kpi-open-backlog"]')?.textContent?.replace(/,/g, '') === String(n), expected.open, {
    timeout: 30_000,
  });
  assert.equal(await shownInt(page, 'kpi-open-backlog'), expected.open);
  if (expected.mttrSec !== null) {
    await page.waitForFunction((text) => document.querySelector('[data-testid="kpi-mttr"]')?.textContent === text, formatDuration(expected.mttrSec * 1000), {
      timeout: 30_000,
    });
  }
});

test('an injected fatal lakehouse error shows the banner until the worker is restarted', async () => {
  assert.equal(await page.getByTestId('error-banner').count(), 0, 'no banner before the fault');
  // Root ignores chmod, so the fault is structural: Silver's _delta_log becomes a regular file.
  const log = join(dataDir, 'datalake/silver/tickets/_delta_log');
  renameSync(log, `${log}.moved`);
  writeFileSync(log, 'not a directory');
  await generate(dataDir, ['--count', '20', '--rate', '0', '--seed', '8']);

  const banner = page.getByTestId('error-banner');
  await banner.waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="error-banner"][data-fatal="true"]').waitFor({ timeout: 60_000 });
  const health = await service.health();
  assert.equal(health.lakehouse_running, false);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-laptop-fatal-error.png') });
  // It stays: health polls keep it up while the worker is stopped.
  await page.waitForTimeout(6000);
  assert.equal(await banner.count(), 1);

  // Fix the cause, restart the worker: the service clears the condition and the banner goes away.
  rmSync(log);
  renameSync(`${log}.moved`, log);
  const restart = await fetch(`${service.url}/api/lakehouse/restart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(restart.status, 200);
  await banner.waitFor({ state: 'detached', timeout: 30_000 });
});
