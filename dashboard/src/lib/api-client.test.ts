import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, apiUrl, createApi } from './api-client.ts';

test('apiUrl joins base, path and the non-empty query parameters', () => {
  assert.equal(apiUrl('', '/api/health'), '/api/health');
  assert.equal(
    apiUrl('http://localhost:8000/', '/api/tables/gold/x', { version: 3, limit: 50, offset: 0, empty: '', none: undefined }),
    'http://localhost:8000/api/tables/gold/x?version=3&limit=50&offset=0',
  );
});

test('typed fetches read JSON and turn error statuses into ApiError with the service message', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/api/tables/gold/missing') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'SHORI_NOT_FOUND', message: 'no such table' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const api = createApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const rows = (await api.rows('gold', 'tickets_by_status', { version: 2, limit: 10, offset: 20 })) as unknown as { url: string };
  assert.equal(rows.url, '/api/tables/gold/tickets_by_status?version=2&limit=10&offset=20');
  await assert.rejects(api.rows('gold', 'missing', {}), (e: unknown) => e instanceof ApiError && e.status === 404 && /no such table/.test(e.message));
});
