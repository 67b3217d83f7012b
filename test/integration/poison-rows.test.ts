// One bad row never stops the pipeline, on the embedded feed, through the real service: change rows
// that cannot be applied (a cost that does not fit decimal(10,2), a NULL key, a non-numeric key) are
// written into a source's change table next to real changes and a 5 MB one. Each bad row lands in
// Bronze and in silver/_rejected, is counted in /api/health and /metrics and announced by a
// non-fatal pipeline_error; the good changes before and after still land (Silver equals the
// sources). With LAKEHOUSE_ON_BAD_RECORD=fail the worker stops with a fatal pipeline_error.
// (Malformed JSON and unknown ops cannot come out of the embedded capture: they are covered by the
// medallion's unit tests and the Kafka poison-row test.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { generate, startService, SseCollector, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, queryDelta, silverTickets, sourceTickets } from '../helpers/lake.ts';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const FAST = { GENERATOR_ENABLED: 'false', LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.3', GOLD_REFRESH_INTERVAL_SEC: '0.5', KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '0.2' };
const running: ServiceProcess[] = [];
after(async () => {
  for (const s of running) await s.kill();
});

const ticket = (id: unknown, cost = '10.00', description: string | null = null) => ({
  TicketID: id,
  Title: 'poison',
  Description: description,
  Status: 'Open',
  Priority: 'High',
  Category: 'Network',
  CustomerID: 1,
  AssignedTo: null,
  EstimatedCost: cost,
  CreatedAt: '2026-01-01T00:00:00.000001Z',
  UpdatedAt: '2026-01-01T00:00:00.000002Z',
  ResolvedAt: null,
});

/** Writes change rows straight into a source's change table, as a broken capture would. */
function injectChanges(dataDir: string, rows: Array<Record<string, unknown>>): void {
  const db = new DatabaseSync(join(dataDir, 'sources', 'shorisql_1.db'));
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    const insert = db.prepare("INSERT INTO cdc_changes (op, tbl, before, after, commit_ts) VALUES ('c', 'Tickets', NULL, ?, ?)");
    for (const row of rows) insert.run(JSON.stringify(row), new Date().toISOString());
  } finally {
    db.close();
  }
}

/** A real 5 MB change: an update of an existing ticket's Description at the source. */
function bigUpdate(dataDir: string): number {
  const db = new DatabaseSync(join(dataDir, 'sources', 'shorisql_1.db'));
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    const { TicketID } = db.prepare('SELECT TicketID FROM Tickets ORDER BY TicketID LIMIT 1').get() as { TicketID: number };
    db.prepare('UPDATE Tickets SET Description = ? WHERE TicketID = ?').run('x'.repeat(5 * 1024 * 1024), TicketID);
    return TicketID;
  } finally {
    db.close();
  }
}

const caughtUp = async (service: ServiceProcess) => {
  const h = await service.health();
  return h.lag.length > 0 && h.lag.every((p) => p.lag === 0) && !h.lakehouse_pending && h;
};

test('embedded feed: bad rows are quarantined and counted, good ones before and after land, the 5 MB change too', async () => {
  const service = await startService(FAST);
  running.push(service);
  const sse = new SseCollector(service.url);
  await generate(service.dataDir, ['--count', '200', '--rate', '0', '--seed', '11']);
  injectChanges(service.dataDir, [ticket(900001, '123456789012.00'), ticket(null), ticket('abc')]);
  await generate(service.dataDir, ['--count', '200', '--rate', '0', '--seed', '12']);
  const big = bigUpdate(service.dataDir);
  await generate(service.dataDir, ['--count', '50', '--rate', '0', '--seed', '14', '--sources', 'shorisql_2']);
  const health = await waitFor('the lakehouse to catch up', () => caughtUp(service), 120_000, 300);

  assert.equal(health.counters.events_rejected, 3);
  assert.equal(health.lakehouse_running, true);
  assert.equal(health.status, 'ok', 'quarantined rows do not degrade the pipeline');
  const rejected = await queryDelta(
    join(service.dataDir, 'datalake/silver/_rejected'),
    (scan) => `SELECT topic, "offset", "table", reason FROM ${scan} AS t ORDER BY "offset"`,
  );
  assert.equal(rejected.length, 3);
  assert.ok(rejected.every((r) => r.topic === 'shorisql_1.TicketsDb.dbo.Tickets'));
  assert.match(rejected.map((r) => r.reason).join('\n'), /EstimatedCost: 123456789012\.00 is not a valid decimal\(10,2\)/);
  const [bronze] = await queryDelta(
    join(service.dataDir, 'datalake/bronze/cdc_events'),
    (scan) =>
      `SELECT count(*) FILTER (WHERE "offset" IN (${rejected.map((r) => Number(r.offset)).join(', ')}))::INT AS n FROM ${scan} AS t WHERE topic = 'shorisql_1.TicketsDb.dbo.Tickets'`,
  );
  assert.equal(Number(bronze.n), 3, 'the bad rows are in Bronze');
  // Every real change landed: Silver equals the sources (the bad rows never existed there), the 5 MB one included.
  const silver = await silverTickets(service.dataDir);
  assert.deepEqual(diffRows(sourceTickets(service.dataDir, SOURCES), silver), []);
  assert.equal(silver.get(`shorisql_1/${big}`)?.Description?.length, 5 * 1024 * 1024);
  const notice = sse.ofType('pipeline_error').find((e) => e.data.code === 'SHORI_BAD_RECORD');
  assert.ok(notice && notice.data.fatal === false, 'a non-fatal pipeline_error announced the quarantine');
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  assert.match(metrics, /^shori_events_rejected_total 3$/m);
  sse.close();
  assert.equal(await service.stop(), 0);
});

test('embedded feed with LAKEHOUSE_ON_BAD_RECORD=fail: a bad row stops the worker with a fatal pipeline_error', async () => {
  const service = await startService({ ...FAST, LAKEHOUSE_ON_BAD_RECORD: 'fail' });
  running.push(service);
  const sse = new SseCollector(service.url);
  await generate(service.dataDir, ['--count', '50', '--rate', '0', '--seed', '13']);
  await waitFor('the lakehouse to catch up', () => caughtUp(service), 120_000, 300);
  injectChanges(service.dataDir, [ticket('abc')]);
  const fatal = await waitFor('a fatal pipeline_error', () => sse.ofType('pipeline_error').find((e) => e.data.fatal), 60_000);
  assert.equal(fatal.data.code, 'SHORI_BAD_RECORD');
  const health = await service.health();
  assert.equal(health.lakehouse_running, false);
  assert.equal(health.status, 'degraded');
  assert.equal(health.counters.events_rejected, 0);
  sse.close();
  assert.equal(await service.stop(), 0);
});
