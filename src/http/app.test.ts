// Route contracts, answered: every (route, status) a contract declares is produced here through
// app.inject() (the SSE stream through a real socket, since it never ends), and the last test
// checks that nothing declared was left untried. Bodies are checked against the same zod schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import { ROUTE_CONTRACTS } from './contracts.ts';
import { ErrorResponseSchema, HealthResponseSchema, TableRowsResponseSchema, TablesResponseSchema } from '../contracts/api.ts';
import { buildTestApp, type TestApp } from '../../test/helpers/http-context.ts';

const ADMIN = 'admin-token-0123456789';
const METRICS = 'metrics-token-0123456789';
const HOST = 'localhost:8000';
const answered = new Set<string>();

let t: TestApp;
before(async () => {
  t = await buildTestApp(
    { PORT: '8000', ADMIN_TOKEN: ADMIN, METRICS_TOKEN: METRICS, TABLE_API_MAX_PAGE_SIZE: '50', SSE_MAX_CLIENTS: '2', SSE_MAX_CLIENTS_PER_IP: '2' },
    { rows: 30 },
  );
});
after(async () => t?.close());

type Inject = { method?: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string };
async function call(route: string, status: number, request: Inject) {
  const res = await t.app.inject({ method: request.method ?? 'GET', url: request.url, headers: { host: HOST, ...request.headers }, payload: request.payload });
  assert.equal(res.statusCode, status, `${route} → ${res.statusCode} ${res.body}`);
  answered.add(`${route} ${status}`);
  if (status >= 400) {
    const body = ErrorResponseSchema.parse(res.json());
    assert.doesNotMatch(body.error, /\n\s+at |\/tmp\/|node_modules/, 'no stack, no absolute path');
  }
  return res;
}

const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('every route refuses a foreign Host (421) and a foreign Origin or cross-site fetch (403)', async () => {
  for (const c of ROUTE_CONTRACTS) {
    const route = `${c.method} ${c.url}`;
    const url = c.url.replace(':layer', 'silver').replace(':name', 'tickets');
    const method = c.method;
    const headers = c.method === 'POST' ? { ...json, ...bearer(ADMIN) } : {};
    const payload = c.method === 'POST' ? '{}' : undefined;
    await call(route, 421, { method, url, headers: { ...headers, host: 'evil.example:8000' }, payload });
    await call(route, 421, { method, url, headers: { ...headers, host: 'localhost:9999' }, payload });
    await call(route, 403, { method, url, headers: { ...headers, origin: 'http://evil.example' }, payload });
    await call(route, 403, { method, url, headers: { ...headers, 'sec-fetch-site': 'cross-site' }, payload });
  }
});

test('GET /api/health: the contract body, knobs without secrets', async () => {
  const res = await call('GET /api/health', 200, { url: '/api/health', headers: { origin: 'http://localhost:5173' } });
  const body = HealthResponseSchema.parse(res.json());
  assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:5173');
  assert.equal(body.knobs.SSE_MAX_CLIENTS, 2);
  assert.equal(JSON.stringify(body).includes(ADMIN) || JSON.stringify(body).includes(METRICS), false);
  // Errors leave relative to the lake: the pipeline's text holds the absolute path.
  t.context.state.lastError = `Reading ${t.dataDir}/datalake/silver/tickets/_delta_log/00000000000000000001.json failed\n    at read (/srv/x.ts:1:1)`;
  const degraded = HealthResponseSchema.parse((await call('GET /api/health', 200, { url: '/api/health' })).json());
  assert.equal(degraded.counters.last_error, 'Reading silver/tickets/_delta_log/00000000000000000001.json failed');
  t.context.state.lastError = null;
});

test('GET /api/tables and /api/tables/:layer/:name: catalogue, stable pages, the cap and the errors', async () => {
  const tables = TablesResponseSchema.parse((await call('GET /api/tables', 200, { url: '/api/tables' })).json());
  assert.equal(tables.tables.find((x) => x.name === 'tickets')?.num_rows, 30);
  const route = 'GET /api/tables/:layer/:name';
  const page = async (offset: number, limit: number) =>
    TableRowsResponseSchema.parse((await call(route, 200, { url: `/api/tables/silver/tickets?limit=${limit}&offset=${offset}` })).json());
  const pages = [await page(0, 12), await page(12, 12), await page(24, 12)];
  const ids = pages.flatMap((p) => p.rows.map((r) => Number(r.TicketID)));
  assert.deepEqual(
    ids,
    Array.from({ length: 30 }, (_, i) => i + 1),
    'pages in key order: no overlap, no gap',
  );
  assert.deepEqual(pages[0].order_by, ['source', 'TicketID']);
  assert.equal(pages[0].total, 30);
  await call(route, 400, { url: '/api/tables/silver/tickets?limit=51' });
  await call(route, 400, { url: '/api/tables/platinum/tickets' });
  await call(route, 400, { url: '/api/tables/silver/tickets?offset=-1' });
  await call(route, 400, { url: '/api/tables/silver/tickets?version=99' });
  await call(route, 404, { url: '/api/tables/gold/nothing_here' });
  await call(route, 404, { url: '/api/tables/gold/tickets_by_status' }); // in the catalogue, not written yet
});

test('a table query over its statement timeout is stopped: 503 with Retry-After', async () => {
  const slow = await buildTestApp({ PORT: '8000', TABLE_API_QUERY_TIMEOUT_SEC: '0.05' }, { goldNames: ['big'] });
  try {
    // A Gold table of 5 million rows: its last page sorts them all (ORDER BY ALL), far beyond 50 ms.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const big = await DeltaTable.createIfAbsent(join(slow.dataDir, 'datalake/gold/big'), {
      schema: { type: 'struct', fields: [{ name: 'n', type: 'long', nullable: true, metadata: {} }] },
      name: 'big',
    });
    await big.overwrite(conn, 'SELECT (range * 7919 % 5000000)::BIGINT AS n FROM range(5000000)');
    conn.closeSync();
    db.closeSync();
    const res = await slow.app.inject({ url: '/api/tables/gold/big?limit=5&offset=4999990', headers: { host: HOST } });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '5');
    assert.match(ErrorResponseSchema.parse(res.json()).error, /longer than 0.05s \(TABLE_API_QUERY_TIMEOUT_SEC\) and was stopped/);
    answered.add('GET /api/tables/:layer/:name 503');
  } finally {
    await slow.close();
  }
});

test('a table query over its memory limit is stopped with a clear 503', async () => {
  const small = await buildTestApp({ PORT: '8000', TABLE_API_MEMORY_LIMIT: '2MB' }, { goldNames: ['wide'] });
  try {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const wide = await DeltaTable.createIfAbsent(join(small.dataDir, 'datalake/gold/wide'), {
      schema: { type: 'struct', fields: [{ name: 's', type: 'string', nullable: true, metadata: {} }] },
      name: 'wide',
    });
    await wide.overwrite(conn, 'SELECT repeat(md5(range::VARCHAR), 8) AS s FROM range(100000)');
    conn.closeSync();
    db.closeSync();
    const res = await small.app.inject({ url: '/api/tables/gold/wide?limit=5&offset=99990', headers: { host: HOST } });
    assert.equal(res.statusCode, 503, res.body.slice(0, 300));
    assert.match(ErrorResponseSchema.parse(res.json()).error, /needed more than 2MB \(TABLE_API_MEMORY_LIMIT\)/);
  } finally {
    await small.close();
  }
});

test('POST /api/lakehouse/restart: token, JSON only, cross-site refused, 409 when running', async () => {
  const route = 'POST /api/lakehouse/restart';
  const url = '/api/lakehouse/restart';
  t.workerStopped.value = true;
  // What a web page can send without a preflight: text/plain, a form. Refused, nothing restarted.
  await call(route, 403, { method: 'POST', url, headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, payload: '{}' });
  await call(route, 415, { method: 'POST', url, headers: { 'content-type': 'text/plain', ...bearer(ADMIN) }, payload: '{}' });
  await call(route, 415, { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer(ADMIN) }, payload: 'a=1' });
  const unauthorized = await call(route, 401, { method: 'POST', url, headers: json, payload: '{}' });
  assert.equal(unauthorized.headers['www-authenticate'], 'Bearer');
  await call(route, 401, { method: 'POST', url, headers: { ...json, ...bearer('wrong-token-0123456789') }, payload: '{}' });
  // '*' on CORS_ALLOW_ORIGINS would not cover it either; a listed origin with the token may.
  await call(route, 400, { method: 'POST', url, headers: { ...json, ...bearer(ADMIN) }, payload: '{"force":true}' });
  assert.equal(t.workerStopped.value, true, 'no refused request restarted the worker');
  const ok = await call(route, 200, { method: 'POST', url, headers: { ...json, ...bearer(ADMIN), origin: 'http://localhost:5173' }, payload: '{}' });
  assert.deepEqual(ok.json(), { restarted: true });
  await call(route, 409, { method: 'POST', url, headers: { ...json, ...bearer(ADMIN), origin: `http://${HOST}` }, payload: '{}' });
});

test('any mutating method on any URL meets the admin guard, a route added later included', async () => {
  for (const [method, url] of [
    ['DELETE', '/api/tables/silver/tickets'],
    ['PUT', '/api/lakehouse/restart'],
    ['POST', '/api/anything'],
    ['PATCH', '/'],
  ] as const) {
    const plain = await t.app.inject({ method, url, headers: { host: HOST, 'content-type': 'text/plain' }, payload: 'x' });
    assert.equal(plain.statusCode, 415, `${method} ${url}`);
    const noToken = await t.app.inject({ method, url, headers: { host: HOST, ...json }, payload: '{}' });
    assert.equal(noToken.statusCode, 401, `${method} ${url}`);
    const foreign = await t.app.inject({ method, url, headers: { host: HOST, ...json, ...bearer(ADMIN), origin: 'http://evil.example' }, payload: '{}' });
    assert.equal(foreign.statusCode, 403, `${method} ${url}`);
  }
});

test('GET /metrics takes METRICS_TOKEN; GET /api/contracts serves every contract as JSON Schema', async () => {
  await call('GET /metrics', 401, { url: '/metrics' });
  const metrics = await call('GET /metrics', 200, { url: '/metrics', headers: bearer(METRICS) });
  assert.match(metrics.body, /^shori_sse_clients_refused_total \d+$/m);
  const contracts = z
    .array(z.object({ method: z.string(), url: z.string(), access: z.string(), responses: z.record(z.string(), z.unknown()) }))
    .parse((await call('GET /api/contracts', 200, { url: '/api/contracts' })).json());
  assert.deepEqual(
    contracts.map((c) => `${c.method} ${c.url}`),
    ROUTE_CONTRACTS.map((c) => `${c.method} ${c.url}`),
  );
  const rows = contracts.find((c) => c.url === '/api/tables/:layer/:name')!;
  assert.deepEqual(Object.keys(rows.responses), ['200', '400', '403', '404', '421', '503']);
});

test('GET /api/stream: a listed origin reads it; beyond SSE_MAX_CLIENTS a new stream gets 503 + Retry-After', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.server.address() as AddressInfo).port;
  const open = (origin?: string) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ port, host: '127.0.0.1', path: '/api/stream', headers: { host: `localhost:${port}`, ...(origin ? { origin } : {}) } }, resolve);
      req.on('error', reject);
    });
  const first = await open('http://localhost:5173');
  assert.equal(first.statusCode, 200);
  assert.equal(first.headers['access-control-allow-origin'], 'http://localhost:5173');
  const greeting = await new Promise<string>((resolve) => first.once('data', (d: Buffer) => resolve(String(d))));
  assert.match(greeting, /retry: 2000/);
  answered.add('GET /api/stream 200');
  const second = await open();
  assert.equal(second.statusCode, 200);
  const third = await open();
  assert.equal(third.statusCode, 503);
  assert.equal(third.headers['retry-after'], '5');
  const body = await new Promise<string>((resolve) => {
    let s = '';
    third.on('data', (d) => (s += d)).on('end', () => resolve(s));
  });
  assert.match(ErrorResponseSchema.parse(JSON.parse(body)).error, /SSE_MAX_CLIENTS/);
  answered.add('GET /api/stream 503');
  assert.equal(t.context.broadcaster.clientCount, 2);
  first.destroy();
  second.destroy();
});

test('SSE_MAX_CLIENTS_PER_IP counts the client behind a proxy listed in TRUST_PROXY, and only then', async () => {
  for (const trusted of [true, false]) {
    const proxied = await buildTestApp({ PORT: '8000', SSE_MAX_CLIENTS_PER_IP: '1', ...(trusted ? { TRUST_PROXY: '127.0.0.1' } : {}) });
    try {
      await proxied.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (proxied.app.server.address() as AddressInfo).port;
      const open = (forwardedFor: string) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', path: '/api/stream', headers: { host: `localhost:${port}`, 'x-forwarded-for': forwardedFor } }, resolve)
            .on('error', reject);
        });
      const a = await open('203.0.113.7');
      const b = await open('203.0.113.8');
      const again = await open('203.0.113.7');
      // Trusted: two clients, one stream each, and the second stream of the first is refused.
      // Not trusted: every stream is the proxy's (127.0.0.1), so the second one is refused.
      assert.deepEqual([a.statusCode, b.statusCode, again.statusCode], trusted ? [200, 200, 503] : [200, 503, 503]);
      for (const r of [a, b, again]) r.destroy();
    } finally {
      await proxied.close();
    }
  }
});

test('every status every contract declares was answered above', () => {
  const declared = ROUTE_CONTRACTS.flatMap((c) => Object.keys(c.responses).map((s) => `${c.method} ${c.url} ${s}`)).sort();
  assert.deepEqual([...answered].sort(), declared);
});
