// The read API the dashboard uses: the catalogue, pages of rows, time travel, and names checked
// against the catalogue (nothing from a request reaches a file path).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate, startService, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import type { TableRowsResponse, TablesResponse } from '../../src/contracts/api.ts';

let service: ServiceProcess | undefined;
after(async () => service?.kill());

test('GET /api/tables and /api/tables/:layer/:name with paging, time travel and checked names', async () => {
  service = await startService({ GENERATOR_ENABLED: 'false', LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.3', GOLD_REFRESH_INTERVAL_SEC: '0.3' });
  const url = service.url;
  await generate(service.dataDir, ['--count', '300', '--rate', '0', '--seed', '5', '--related', '0.5']);
  await waitFor('catch-up', async () => {
    const h = await service!.health();
    return h.lag.length > 0 && h.lag.every((p) => p.lag === 0) && !h.lakehouse_pending && h.counters.batches_ok > 0;
  });
  const catalogue = await waitFor('Gold in the catalogue', async () => {
    const body = (await (await fetch(`${url}/api/tables`)).json()) as TablesResponse;
    return body.tables.some((t) => t.layer === 'gold') ? body : false;
  });
  const names = catalogue.tables.map((t) => `${t.layer}.${t.name}`);
  for (const n of ['bronze.cdc_events', 'silver.tickets', 'silver.tickets_history', 'gold.tickets_by_status', 'gold.open_backlog'])
    assert.ok(names.includes(n), n);
  // Every captured table is listed, found at run time; any of them can be browsed.
  for (const n of ['silver.customers', 'silver.customers_history', 'silver.agents', 'silver.agents_history'])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  const agents = (await (await fetch(`${url}/api/tables/silver/agents?limit=3`)).json()) as TableRowsResponse;
  assert.ok(agents.total > 0 && agents.rows.length === Math.min(3, agents.total));
  assert.ok(agents.columns.some((c) => c.name === 'HiredOn' && c.type === 'date'));
  const silver = catalogue.tables.find((t) => t.name === 'tickets')!;
  assert.ok(silver.version >= 1 && silver.num_rows > 0);
  assert.ok(silver.columns.some((c) => c.name === 'EstimatedCost' && c.type === 'decimal(10,2)'));

  const page = (await (await fetch(`${url}/api/tables/silver/tickets?limit=7&offset=3`)).json()) as TableRowsResponse;
  assert.equal(page.rows.length, 7);
  assert.equal(page.total, silver.num_rows);
  assert.equal(page.offset, 3);
  assert.match(String(page.rows[0].CreatedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(String(page.rows[0].EstimatedCost), /^\d+\.\d\d$/);

  // Time travel: version 0 is the empty table as created.
  const v0 = (await (await fetch(`${url}/api/tables/silver/tickets?version=0`)).json()) as TableRowsResponse;
  assert.equal(v0.version, 0);
  assert.equal(v0.total, 0);

  assert.equal((await fetch(`${url}/api/tables/silver/tickets?version=999999`)).status, 400);
  assert.equal((await fetch(`${url}/api/tables/gold/no_such_table`)).status, 404);
  assert.equal((await fetch(`${url}/api/tables/silver/_tickets_deleted`)).status, 404, 'internal tables are not served');
  assert.equal((await fetch(`${url}/api/tables/platinum/tickets`)).status, 400);
  assert.equal((await fetch(`${url}/api/tables/silver/..%2F..%2Fsources`)).status, 400);
  assert.equal((await fetch(`${url}/api/tables/silver/tickets?limit=100000`)).status, 400);
  assert.equal((await fetch(`${url}/assets/missing.js`)).status, 404);
  assert.equal(await service.stop(), 0);
});
