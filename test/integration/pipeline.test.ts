// End to end on the embedded default: generator → embedded capture → feed → Bronze/Silver/Gold and
// SSE, checked against the sources read independently.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generate, startService, SseCollector, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, queryDelta, silverTickets, sourceDb, sourceTickets, type TextRow } from '../helpers/lake.ts';
import type { HealthResponse } from '../../src/contracts/api.ts';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const TS_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const FAST = {
  GENERATOR_ENABLED: 'false',
  LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
  LAKEHOUSE_MAX_BATCH_SIZE: '500',
  GOLD_REFRESH_INTERVAL_SEC: '0.5',
  SSE_CDC_STATS_INTERVAL_SEC: '0.5',
  SSE_HEARTBEAT_INTERVAL_SEC: '1',
  SSE_EMIT_CDC_RAW: 'true',
  SSE_CLIENT_QUEUE_SIZE: '100000',
  // Compaction often, so every run exercises it between batches.
  LAKEHOUSE_OPTIMIZE_EVERY_BATCHES: '3',
  DELTA_CHECKPOINT_INTERVAL: '5',
};

const running: ServiceProcess[] = [];
after(async () => {
  for (const s of running) await s.kill();
});

const totalLag = (h: HealthResponse) => h.lag.reduce((sum, p) => sum + p.lag, 0);

/** Waits until the lakehouse has consumed everything and Gold reflects the last Silver version. */
async function waitCaughtUp(service: ServiceProcess, expectedEvents?: number): Promise<HealthResponse> {
  return waitFor(
    'the lakehouse to catch up',
    async () => {
      const h = await service.health();
      if (h.lag.length === 0 || totalLag(h) !== 0 || h.lakehouse_pending) return false;
      if (expectedEvents !== undefined && h.counters.events_received < expectedEvents) return false;
      return h;
    },
    180_000,
    300,
  );
}

async function goldRows(dataDir: string, name: string): Promise<TextRow[]> {
  return queryDelta(join(dataDir, 'datalake/gold', name), (scan) => `SELECT * FROM ${scan} AS t`);
}

/** The Gold aggregates computed directly on the sources with SQLite, independently of the pipeline. */
function goldFromSources(dataDir: string) {
  const all: Array<Record<string, string | number | null>> = [];
  for (const source of SOURCES) {
    const db = sourceDb(dataDir, source);
    for (const r of db.prepare('SELECT * FROM Tickets').all() as Array<Record<string, string | number | null>>) all.push({ ...r, source });
    db.close();
  }
  const count = (key: (r: (typeof all)[number]) => string | null) => {
    const m = new Map<string, number>();
    for (const r of all) {
      const k = key(r);
      if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const isOpen = (r: (typeof all)[number]) => r.Status === 'Open' || r.Status === 'InProgress';
  const cents = (v: unknown) => BigInt(String(v).replace('.', ''));
  const micros = (iso: string) => BigInt(Date.parse(iso.slice(0, 19) + 'Z')) * 1000n + BigInt(iso.slice(20, 26));
  const bySource = new Map<string, { tickets: number; open: number; openCents: bigint; resolved: number; resolveMicros: bigint }>();
  for (const r of all) {
    const s = bySource.get(String(r.source)) ?? { tickets: 0, open: 0, openCents: 0n, resolved: 0, resolveMicros: 0n };
    s.tickets++;
    if (isOpen(r)) (s.open++, (s.openCents += cents(r.EstimatedCost)));
    if (r.ResolvedAt !== null) (s.resolved++, (s.resolveMicros += micros(String(r.ResolvedAt)) - micros(String(r.CreatedAt))));
    bySource.set(String(r.source), s);
  }
  return {
    byStatus: count((r) => String(r.Status)),
    byPriority: count((r) => String(r.Priority)),
    bySource,
    created: count((r) => String(r.CreatedAt).slice(0, 16)),
    resolved: count((r) => (r.ResolvedAt === null ? null : String(r.ResolvedAt).slice(0, 16))),
  };
}

function assertEnvelope(e: unknown, type: string, dataKeys: string[]) {
  assert.ok(e && typeof e === 'object');
  assert.deepEqual(Object.keys(e as object).sort(), ['data', 'ts', 'type']);
  const env = e as { type: string; ts: string; data: Record<string, unknown> };
  assert.equal(env.type, type);
  assert.match(env.ts, TS_MICROS);
  for (const k of dataKeys) assert.ok(k in env.data, `${type}.data has ${k}`);
}

test('embedded end to end: Silver equals sources, Bronze exactly once, Gold matches, SSE and health correct', async () => {
  const service = await startService(FAST);
  running.push(service);
  const sse = new SseCollector(service.url);
  await waitFor('an SSE heartbeat', () => sse.ofType('heartbeat').length > 0);

  const counts = await generate(service.dataDir, ['--count', '3000', '--rate', '0', '--key-changes', '0.02', '--bursts', '0.1', '--seed', '42']);
  const expectedEvents = counts.inserts + counts.updates + counts.deletes + counts.keyChanges;
  const expectedTombstones = counts.deletes + counts.keyChanges;
  assert.ok(counts.deletes > 0 && counts.keyChanges > 0 && counts.updates > 0, `a mixed workload: ${JSON.stringify(counts)}`);

  const health = await waitCaughtUp(service, expectedEvents);
  await waitFor('Gold to reflect the last Silver version', async () => {
    const lastUpdate = sse.ofType('lakehouse_update').at(-1);
    const h = await service.health();
    return (
      lastUpdate !== undefined &&
      totalLag(h) === 0 &&
      !h.lakehouse_pending &&
      sse.ofType('lakehouse_update').some((u) => u.data.gold_recomputed && u.ts >= (h.counters.last_batch_at ?? ''))
    );
  });

  // Silver equals the sources, row for row, every column exact.
  const silver = await silverTickets(service.dataDir);
  const sources = sourceTickets(service.dataDir, SOURCES);
  assert.ok(sources.size > 500, `the sources hold tickets (${sources.size})`);
  assert.deepEqual(diffRows(sources, silver), []);

  // Bronze holds each change exactly once.
  const [bronze] = await queryDelta(
    join(service.dataDir, 'datalake/bronze/cdc_events'),
    (scan) =>
      `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS distinct_records,
            count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes, count(*) FILTER (WHERE payload IS NULL)::INT AS tombstones,
            count(*) FILTER (WHERE decode_error IS NOT NULL)::INT AS errors FROM ${scan} AS t`,
  );
  assert.equal(Number(bronze.records), Number(bronze.distinct_records), 'no duplicate in Bronze');
  assert.equal(Number(bronze.changes), expectedEvents, 'every change event in Bronze');
  assert.equal(Number(bronze.tombstones), expectedTombstones, 'every tombstone in Bronze');
  assert.equal(Number(bronze.errors), 0);

  // Gold equals the same aggregates computed on the sources.
  const expected = goldFromSources(service.dataDir);
  const byStatus = await goldRows(service.dataDir, 'tickets_by_status');
  assert.deepEqual(new Map(byStatus.map((r) => [r.status, Number(r.tickets)])), expected.byStatus);
  const byPriority = await goldRows(service.dataDir, 'tickets_by_priority');
  assert.deepEqual(new Map(byPriority.map((r) => [r.priority, Number(r.tickets)])), expected.byPriority);
  const bySource = await goldRows(service.dataDir, 'tickets_by_source');
  assert.deepEqual(
    new Map(bySource.map((r) => [r.source, [Number(r.tickets), Number(r.open_tickets)]])),
    new Map([...expected.bySource].map(([k, v]) => [k, [v.tickets, v.open]])),
  );
  const backlog = await goldRows(service.dataDir, 'open_backlog');
  assert.deepEqual(
    new Map(backlog.map((r) => [r.source, [Number(r.open_tickets), BigInt(String(r.open_estimated_cost).replace('.', ''))]])),
    new Map([...expected.bySource].filter(([, v]) => v.open > 0).map(([k, v]) => [k, [v.open, v.openCents]])),
  );
  const perMinute = await goldRows(service.dataDir, 'tickets_per_minute');
  const minuteKey = (m: string | null) => String(m).replace(' ', 'T').slice(0, 16);
  assert.deepEqual(new Map(perMinute.filter((r) => Number(r.created) > 0).map((r) => [minuteKey(r.minute), Number(r.created)])), expected.created);
  assert.deepEqual(new Map(perMinute.filter((r) => Number(r.resolved) > 0).map((r) => [minuteKey(r.minute), Number(r.resolved)])), expected.resolved);
  const mttr = await goldRows(service.dataDir, 'mean_time_to_resolve');
  for (const r of mttr) {
    const s = expected.bySource.get(String(r.source))!;
    assert.equal(Number(r.resolved_tickets), s.resolved);
    const want = Number(s.resolveMicros) / s.resolved / 1e6;
    assert.ok(Math.abs(Number(r.mean_resolve_sec) - want) <= 1e-6 * Math.max(1, want), `mean_resolve_sec ${r.mean_resolve_sec} ≈ ${want}`);
  }

  // SSE: every event type with the exact envelope.
  await waitFor('a cdc_stats with every event counted', () => sse.ofType('cdc_stats').some((e) => e.data.total_received === expectedEvents));
  assertEnvelope(sse.ofType('heartbeat')[0], 'heartbeat', []);
  assertEnvelope(sse.ofType('cdc_stats').at(-1), 'cdc_stats', ['events_in_interval', 'interval_sec', 'events_per_sec', 'total_received', 'total_dropped']);
  assertEnvelope(sse.ofType('lakehouse_update')[0], 'lakehouse_update', ['summary', 'processed', 'failed', 'gold_recomputed']);
  const raw = sse.ofType('cdc_raw');
  assertEnvelope(raw[0], 'cdc_raw', ['topic', 'partition', 'offset', 'payload']);
  assert.equal(raw.length, expectedEvents, 'one cdc_raw per change event');
  assert.equal(new Set(raw.map((e) => `${e.data.topic}/${e.data.offset}`)).size, raw.length);
  const statsSum = sse.ofType('cdc_stats').reduce((sum, e) => sum + e.data.events_in_interval, 0);
  assert.equal(statsSum, expectedEvents, 'the intervals add up to the total');
  const processed = sse.ofType('lakehouse_update').reduce((sum, e) => sum + e.data.processed, 0);
  assert.equal(processed, expectedEvents + expectedTombstones, 'lakehouse_update.processed adds up to every record');

  // Health: every field, with correct counters.
  const h = await service.health();
  assert.equal(h.ui_consumer_alive, true);
  assert.equal(h.lakehouse_alive, true);
  assert.equal(h.lakehouse_running, true);
  assert.equal(h.clients, 1);
  assert.equal(h.counters.events_received, expectedEvents);
  assert.equal(h.counters.events_dropped, 0);
  assert.equal(h.counters.batches_failed, 0);
  assert.equal(h.counters.last_error, null);
  assert.equal(h.counters.decode_errors, 0);
  assert.deepEqual(h.warnings, [], "the embedded sources match Silver's schema");
  assert.equal(h.counters.batches_ok, sse.ofType('lakehouse_update').filter((u) => u.data.batch_size > 0).length);
  assert.ok(h.counters.batches_ok >= 2);
  assert.match(h.counters.last_batch_at ?? '', TS_MICROS);
  assert.equal(h.knobs.LAKEHOUSE_MAX_BATCH_SIZE, 500);
  assert.equal('SQLSERVER_SA_PASSWORD' in h.knobs, false);
  assert.equal(health.feed, 'embedded');

  // Prometheus: the same counters, and the lag per partition.
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`^shori_events_received_total ${expectedEvents}$`, 'm'));
  assert.match(metrics, /^shori_lakehouse_running 1$/m);
  for (const source of SOURCES)
    assert.match(metrics, new RegExp(`^shori_consumer_lag\\{stream="${source}\\.TicketsDb\\.dbo\\.Tickets",partition="0"\\} 0$`, 'm'));

  sse.close();
  assert.equal(await service.stop(), 0, 'SIGTERM exits 0');
});

test('SIGKILL mid-run and restart: still exactly once, Silver still equals the sources', async () => {
  const dataDir = tempDataDir();
  const env = { ...FAST, LAKEHOUSE_MAX_BATCH_SIZE: '97', LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.2', SSE_EMIT_CDC_RAW: 'false' };
  const first = await startService(env, { dataDir });
  running.push(first);
  const generating = generate(dataDir, ['--count', '4000', '--rate', '1500', '--key-changes', '0.02', '--bursts', '0.1', '--seed', '7']);
  await waitFor('enough batches for a compaction', async () => (await first.health()).counters.batches_ok >= 13, 60_000, 20);
  await first.kill();
  assert.match(first.output(), /"optimized":\["[^"]+/, 'compaction ran between batches');
  const second = await startService(env, { dataDir, port: first.port });
  running.push(second);
  await waitFor('more batches after the restart', async () => (await second.health()).counters.batches_ok >= 3, 60_000, 20);
  await second.kill();
  const counts = await generating;
  const third = await startService(env, { dataDir, port: first.port });
  running.push(third);
  await waitCaughtUp(third);

  const expectedEvents = counts.inserts + counts.updates + counts.deletes + counts.keyChanges;
  const [bronze] = await queryDelta(
    join(dataDir, 'datalake/bronze/cdc_events'),
    (scan) =>
      `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS distinct_records,
            count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes FROM ${scan} AS t`,
  );
  assert.equal(Number(bronze.records), Number(bronze.distinct_records), 'no duplicate in Bronze after two SIGKILLs');
  assert.equal(Number(bronze.changes), expectedEvents, 'no change lost');
  const [history] = await queryDelta(join(dataDir, 'datalake/silver/tickets_history'), (scan) => `SELECT count(*)::INT AS n FROM ${scan} AS t`);
  assert.equal(Number(history.n), expectedEvents, 'history holds each change once');
  assert.deepEqual(diffRows(sourceTickets(dataDir, SOURCES), await silverTickets(dataDir)), []);
  assert.equal(await third.stop(), 0);
});
