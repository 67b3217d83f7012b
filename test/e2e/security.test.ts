// The service exposed as a user would expose it, attacked as a web page would attack it, in Debian's
// Chromium (playwright-core) against the real service (node src/main.ts): pages served from other
// ports (one origin on CORS_ALLOW_ORIGINS, one not), a DNS-rebinding name mapped to 127.0.0.1,
// the Vite dev server pointed at the service with VITE_API_BASE_URL, 501 SSE clients, and a
// password full of URL delimiters that must never be shown or logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, generate, REPO, startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';

const SCREENSHOTS = join(REPO, 'screenshots');
const ADMIN_TOKEN = 'e2e-admin-token-6f1d2c9a';
/** A password with every URL delimiter, raw, as a user would paste it. */
const PASSWORD = 'p@ss:w/rd%41@x';
const SSE_LIMIT = 500;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // DNS rebinding, simulated: an attacker's name that resolves to the machine running the service.
  '--host-resolver-rules=MAP rebind.test 127.0.0.1',
];

let service: ServiceProcess;
let browser: Browser;
let dataDir: string;
let allowedPagePort: number;
let foreignPagePort: number;
let vitePort: number;
const pageServers: http.Server[] = [];
let vite: ChildProcess | undefined;

/** A bare page server: what any web site on another port looks like to the browser. */
async function servePage(port: number): Promise<void> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another site</title><p>a page on another port</p>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  pageServers.push(server);
}

/** 5173 when free (the seed's port), else any free port. */
async function vitePortToUse(): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = http.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(5173, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? 5173 : freePort();
}

before(async () => {
  const ensure = spawnSync('sh', [join(REPO, 'scripts/ensure-chromium.sh')], { encoding: 'utf8' });
  assert.equal(ensure.status, 0, `scripts/ensure-chromium.sh failed:\n${ensure.stdout}\n${ensure.stderr}`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  [allowedPagePort, foreignPagePort, vitePort] = [await freePort(), await freePort(), await vitePortToUse()];
  await servePage(allowedPagePort);
  await servePage(foreignPagePort);
  dataDir = tempDataDir('shori-e2e-sec-');
  service = await startService(
    {
      ADMIN_TOKEN,
      CORS_ALLOW_ORIGINS: [`http://127.0.0.1:${allowedPagePort}`, `http://127.0.0.1:${vitePort}`, `http://localhost:${vitePort}`].join(','),
      SSE_MAX_CLIENTS: String(SSE_LIMIT),
      SSE_MAX_CLIENTS_PER_IP: '1000',
      SSE_CDC_STATS_INTERVAL_SEC: '1',
      SSE_HEARTBEAT_INTERVAL_SEC: '1',
      LAKEHOUSE_FLUSH_INTERVAL_SEC: '1',
      GENERATOR_RATE: '20',
      GENERATOR_POSTGRES_URLS: `postgres://shori:${PASSWORD}@db.internal:5432/ticketsdb`,
      GENERATOR_MARIADB_URLS: `mysql://shori:${PASSWORD}@db.internal:3306/ticketsdb`,
      GENERATOR_SQLSERVER_URLS: `Server=db,1433;User Id=sa;Password={${PASSWORD}};Encrypt=false|Server=db2,1433;User Id=sa;Password=${PASSWORD}`,
    },
    { dataDir },
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  if (vite && vite.exitCode === null) {
    vite.kill('SIGTERM');
    await new Promise((resolve) => vite!.once('exit', resolve));
  }
  for (const server of pageServers) await new Promise((resolve) => server.close(resolve));
  await service?.kill();
  if (dataDir) {
    const log = join(dataDir, 'datalake/silver/tickets/_delta_log');
    if (existsSync(`${log}.moved`)) rmSync(log, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function pageAt(origin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** Reads /api/health and the first cdc_stats of the stream from the page's own origin. */
function readFromPage(page: Page, api: string): Promise<{ health: string; stream: string }> {
  return page.evaluate(async (base) => {
    const health = await fetch(`${base}/api/health`).then(
      async (r) => `${r.status} ${(await r.json()).status}`,
      (e: Error) => `blocked: ${e.name}`,
    );
    const stream = await new Promise<string>((resolve) => {
      const es = new EventSource(`${base}/api/stream`);
      const timer = setTimeout(() => {
        es.close();
        resolve('timeout');
      }, 10_000);
      es.addEventListener('cdc_stats', (e) => {
        clearTimeout(timer);
        es.close();
        resolve(`cdc_stats ${JSON.parse((e as MessageEvent).data).data.total_received >= 0}`);
      });
      es.onerror = () => {
        clearTimeout(timer);
        es.close();
        resolve('error');
      };
    });
    return { health, stream };
  }, api);
}

test('a password with @ : / and % never appears in /api/health or in the logs, nor the admin token', async () => {
  await waitFor('a batch committed', async () => (await service.health()).counters.batches_ok > 0, 60_000);
  const health = JSON.stringify(await service.health());
  const logs = service.output();
  assert.ok(logs.includes('starting shori-realtime'), 'the start-up log, with its knobs, is there');
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'w/rd%41', 'rd%41@x', ADMIN_TOKEN]) {
    assert.equal(health.includes(secret), false, `health shows ${secret}`);
    assert.equal(logs.includes(secret), false, `logs show ${secret}`);
  }
  const knobs = (JSON.parse(health) as { knobs: Record<string, string> }).knobs;
  assert.equal(knobs.GENERATOR_POSTGRES_URLS, 'postgres://shori:***@db.internal:5432/ticketsdb');
  assert.equal(knobs.GENERATOR_SQLSERVER_URLS, 'Server=db,1433;User Id=sa;Password=***;Encrypt=false|Server=db2,1433;User Id=sa;Password=***');
});

test('a foreign Host is refused before routing: a raw request, and a DNS-rebinding name in the browser', async () => {
  const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: service.port, path: '/api/health', headers: { host: `evil.example:${service.port}` } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
  assert.equal(raw.status, 421);
  assert.match(raw.body, /ALLOWED_HOSTS/);
  assert.equal(raw.body.includes('"status"'), false, 'no health data in the answer');
  // rebind.test resolves to 127.0.0.1: the page is served from the attacker's name, so every
  // request it makes carries Host: rebind.test:<port> and gets 421.
  const page = await (await browser.newContext()).newPage();
  const response = await page.goto(`http://rebind.test:${service.port}/api/health`);
  assert.equal(response?.status(), 421);
  assert.equal((await page.content()).includes('ui_consumer_alive'), false);
  await page.context().close();
});

test('a page on an allowed origin reads /api/health and the stream; the same page on another port cannot', async () => {
  const allowed = await pageAt(`http://127.0.0.1:${allowedPagePort}`);
  assert.deepEqual(await readFromPage(allowed, service.url), { health: '200 ok', stream: 'cdc_stats true' });
  await allowed.context().close();
  const foreign = await pageAt(`http://127.0.0.1:${foreignPagePort}`);
  assert.deepEqual(await readFromPage(foreign, service.url), { health: 'blocked: TypeError', stream: 'error' });
  await foreign.context().close();
});

test('the Vite dev server with VITE_API_BASE_URL pointing at the service shows live numbers', async () => {
  let out = '';
  vite = spawn(
    process.execPath,
    [join(REPO, 'node_modules/vite/bin/vite.js'), '--config', 'dashboard/vite.config.ts', '--host', '127.0.0.1', '--port', String(vitePort), '--strictPort'],
    { cwd: REPO, env: { ...process.env, VITE_API_BASE_URL: service.url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  vite.stdout!.on('data', (d) => (out += d));
  vite.stderr!.on('data', (d) => (out += d));
  await waitFor(`vite on ${vitePort}`, async () => (await fetch(`http://127.0.0.1:${vitePort}/`)).ok, 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${out}`);
  });
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`http://127.0.0.1:${vitePort}/`);
  await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
  const shown = async () => Number(((await page.getByTestId('events-received').textContent()) ?? '').replace(/,/g, ''));
  await page.getByTestId('events-received').filter({ hasText: /^\d/ }).waitFor({ timeout: 30_000 });
  const first = await shown();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="events-received"]')?.textContent?.replace(/,/g, '')) > n, first, {
    timeout: 30_000,
  });
  assert.ok((await shown()) > first, 'the number moves');
  await page.getByTestId('kpi-total-tickets').filter({ hasText: /^\d/ }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(SCREENSHOTS, 'security-vite-dev-server.png') });
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** A raw SSE client: status code, and how many events arrived (counted from a mark). */
class RawSse {
  status = 0;
  retryAfter: string | undefined;
  events = 0;
  readonly socket: Socket;
  readonly ready: Promise<void>;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    let head = '';
    this.ready = new Promise((resolve, reject) => {
      this.socket.on('error', reject);
      this.socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (this.status === 0) {
          head += text;
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          this.status = Number(head.slice(9, 12));
          this.retryAfter = /\r\nretry-after: (\d+)/i.exec(head.slice(0, end))?.[1];
          resolve();
        }
        this.events += text.split('\nevent: ').length - 1 + (text.startsWith('event: ') ? 1 : 0);
      });
    });
    this.socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  }
}

test(`with SSE_MAX_CLIENTS=${SSE_LIMIT} the ${SSE_LIMIT + 1}st stream gets 503 + Retry-After while the first ${SSE_LIMIT} keep receiving`, async () => {
  await waitFor('no stream open', async () => (await service.health()).clients === 0, 30_000);
  const clients: RawSse[] = [];
  try {
    for (let i = 0; i < SSE_LIMIT; i++) clients.push(new RawSse(service.port));
    await Promise.all(clients.map((c) => c.ready));
    assert.deepEqual([...new Set(clients.map((c) => c.status))], [200]);
    assert.equal((await service.health()).clients, SSE_LIMIT);
    const extra = new RawSse(service.port);
    await extra.ready;
    assert.equal(extra.status, 503);
    assert.equal(extra.retryAfter, '5');
    extra.socket.destroy();
    // Every one of the first 500 receives new events after the refusal.
    const mark = clients.map((c) => c.events);
    await waitFor('every admitted client to receive two more events', () => clients.every((c, i) => c.events >= mark[i] + 2), 30_000);
    assert.equal((await service.health()).clients, SSE_LIMIT);
  } finally {
    for (const c of clients) c.socket.destroy();
  }
  await waitFor('the streams to close', async () => (await service.health()).clients === 0, 30_000);
});

test('a cross-origin POST from a page on another port is refused and changes nothing', async () => {
  // Stop the lakehouse worker with a real fault (Silver's _delta_log becomes a file), so that a
  // restart, if one got through, would show.
  const log = join(dataDir, 'datalake/silver/tickets/_delta_log');
  renameSync(log, `${log}.moved`);
  writeFileSync(log, 'not a directory');
  await generate(dataDir, ['--count', '20', '--rate', '0', '--seed', '9']);
  await waitFor('the lakehouse worker to stop', async () => (await service.health()).lakehouse_running === false, 120_000);
  rmSync(log);
  renameSync(`${log}.moved`, log);

  const foreign = await pageAt(`http://127.0.0.1:${foreignPagePort}`);
  const attempts = await foreign.evaluate(async (api) => {
    const url = `${api}/api/lakehouse/restart`;
    const out: string[] = [];
    // A simple request (no preflight): text/plain, opaque answer.
    await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }).then(
      (r) => out.push(`no-cors ${r.type}`),
      (e: Error) => out.push(`no-cors ${e.name}`),
    );
    // JSON needs a preflight, which a foreign origin does not pass.
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
      (r) => out.push(`cors ${r.status}`),
      (e: Error) => out.push(`cors ${e.name}`),
    );
    return out;
  }, service.url);
  assert.deepEqual(attempts, ['no-cors opaque', 'cors TypeError']);
  // A plain HTML form, submitted by the page (a top-level navigation).
  await foreign.setContent(`<form method="post" enctype="text/plain" action="${service.url}/api/lakehouse/restart"><input name="a" value="b"></form>`);
  const [answer] = await Promise.all([foreign.waitForNavigation(), foreign.evaluate(() => (document.querySelector('form') as HTMLFormElement).submit())]);
  assert.equal(answer?.status(), 403);
  assert.match(await foreign.content(), /not accepted/);
  await foreign.screenshot({ path: join(SCREENSHOTS, 'security-cross-origin-form-refused.png') });
  await foreign.context().close();

  const health = await service.health();
  assert.equal(health.lakehouse_running, false, 'no cross-origin request restarted the worker');
  assert.notEqual(health.counters.last_error, null, 'last_error is still set');
  // The operator, with the token, from no browser at all: it restarts.
  const noToken = await fetch(`${service.url}/api/lakehouse/restart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(noToken.status, 401);
  const ok = await fetch(`${service.url}/api/lakehouse/restart`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: '{}',
  });
  assert.equal(ok.status, 200);
  await waitFor('the worker to run again', async () => (await service.health()).lakehouse_running, 30_000);
});
