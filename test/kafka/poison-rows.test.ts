// One bad row never stops the pipeline, on the real Kafka stack: raw messages on a fresh topic (the
// schemaless Debezium JSON form) carry a decimal overflow, a NULL key, a non-numeric key, an unknown
// op, malformed JSON and a 5 MB change between good ones. Each lands in Bronze; the bad ones in
// silver/_rejected, counted in /api/health; the 5 MB change and the good changes after the bad ones
// land in Silver. With LAKEHOUSE_ON_BAD_RECORD=fail the worker stops with a fatal pipeline_error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';
import { acquireStack, KAFKA_BOOTSTRAP, requireStack, type StackLease } from './stack-fixture.ts';
import { SseCollector, startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { queryDelta, silverTickets } from '../helpers/lake.ts';
import { serviceEnv } from './pipeline-fixture.ts';

let lease: StackLease | undefined;
let admin: Admin;
let producer: Producer;
const running: ServiceProcess[] = [];
const BIG = 5 * 1024 * 1024;

before(async () => {
  lease = await acquireStack();
  if (lease.unavailable) return;
  admin = new Admin({ clientId: 'shori-poison-test', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  producer = new Producer({ clientId: 'shori-poison-test', bootstrapBrokers: [KAFKA_BOOTSTRAP], autocreateTopics: false, idempotent: true });
});
after(async () => {
  for (const s of running) await s.kill();
  await producer?.close();
  await admin?.close();
  await lease?.release();
});

async function createTopic(name: string): Promise<void> {
  // Room for the 5 MB message (the broker's default limit is about 1 MB).
  await admin.createTopics({ topics: [name], partitions: 1, replicas: 1, configs: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }] });
  await waitFor(
    `topic ${name}`,
    async () => {
      const metadata = await producer.metadata({ topics: [name], forceUpdate: true }).catch(() => null);
      const topic = metadata?.topics.get(name);
      return topic !== undefined && topic.partitions.every((p) => p.leader >= 0);
    },
    60_000,
    100,
  );
}

function change(prefix: string, lsn: number, op: string, id: unknown, extra: Record<string, unknown> = {}): { key: string; value: string } {
  const after = {
    TicketID: id,
    Title: 'poison',
    Description: null,
    Status: 'Open',
    Priority: 'High',
    Category: 'Network',
    CustomerID: 1,
    AssignedTo: null,
    EstimatedCost: '10.00',
    CreatedAt: '2026-01-01T00:00:00.000001Z',
    UpdatedAt: '2026-01-01T00:00:00.000002Z',
    ResolvedAt: null,
    ...extra,
  };
  const source = {
    version: '3.5',
    connector: 'postgresql',
    name: prefix,
    ts_ms: Date.now(),
    snapshot: 'false',
    db: 'ticketsdb',
    schema: 'public',
    table: 'Tickets',
    lsn,
  };
  return { key: JSON.stringify({ TicketID: id }), value: JSON.stringify({ before: null, after, source, op, ts_ms: Date.now() }) };
}

async function produce(topic: string, messages: Array<{ key: string; value: string }>): Promise<void> {
  for (const m of messages) {
    await producer.send({ messages: [{ topic, partition: 0, key: Buffer.from(m.key), value: Buffer.from(m.value) }] });
  }
}

test('Kafka: bad messages are quarantined and counted; the 5 MB change and later good ones land', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${process.pid}${Date.now()}`.slice(-10);
  const prefix = `poison${run}`;
  const topic = `${prefix}.public.Tickets`;
  await createTopic(topic);
  t.after(() => admin.deleteTopics({ topics: [topic] }).catch(() => undefined));
  await produce(topic, [
    change(prefix, 10, 'c', 1),
    change(prefix, 20, 'c', 2, { EstimatedCost: '123456789012.00' }),
    change(prefix, 30, 'c', null),
    change(prefix, 40, 'c', 'abc'),
    change(prefix, 50, 'x', 5),
    { key: '{"TicketID": 6}', value: '{"before": null, "after": {"TicketID": 6' },
    change(prefix, 70, 'c', 3, { Description: 'x'.repeat(BIG) }),
    change(prefix, 80, 'u', 1, { Status: 'Closed' }),
    change(prefix, 90, 'c', 4),
  ]);
  const dataDir = tempDataDir('shori-kafka-poison-');
  const service = await startService({ ...serviceEnv(run), KAFKA_TOPIC_PATTERN: `^${prefix}\\..*tickets$` }, { dataDir });
  running.push(service);
  const health = await waitFor(
    'the lakehouse to take every message',
    async () => {
      const h = await service.health();
      return h.lag.length === 1 && h.lag[0].lag === 0 && h.lag[0].next === 9 && !h.lakehouse_pending && h;
    },
    180_000,
    300,
  );

  assert.equal(health.counters.events_rejected, 5);
  assert.equal(health.counters.decode_errors, 2, 'the unknown op and the malformed JSON');
  assert.equal(health.lakehouse_running, true);
  const [bronze] = await queryDelta(
    join(dataDir, 'datalake/bronze/cdc_events'),
    (scan) => `SELECT count(*)::INT AS n, max(length(payload))::INT AS biggest FROM ${scan} AS t`,
  );
  assert.equal(Number(bronze.n), 9, 'every message in Bronze');
  assert.ok(Number(bronze.biggest) > BIG);
  const rejected = await queryDelta(join(dataDir, 'datalake/silver/_rejected'), (scan) => `SELECT "offset", reason FROM ${scan} AS t ORDER BY "offset"`);
  assert.deepEqual(
    rejected.map((r) => Number(r.offset)),
    [1, 2, 3, 4, 5],
  );
  const silver = await silverTickets(dataDir);
  assert.deepEqual([...silver.keys()].sort(), [`${prefix}/1`, `${prefix}/3`, `${prefix}/4`]);
  assert.equal(silver.get(`${prefix}/1`)?.Status, 'Closed', 'a later good change of a key after the bad rows lands');
  assert.equal(silver.get(`${prefix}/3`)?.Description?.length, BIG);
  assert.equal(await service.stop(), 0);
});

test('Kafka with LAKEHOUSE_ON_BAD_RECORD=fail: a bad message stops the worker with a fatal pipeline_error', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${process.pid}${Date.now()}`.slice(-10);
  const prefix = `poisonf${run}`;
  const topic = `${prefix}.public.Tickets`;
  await createTopic(topic);
  t.after(() => admin.deleteTopics({ topics: [topic] }).catch(() => undefined));
  await produce(topic, [change(prefix, 10, 'c', 1), change(prefix, 20, 'c', 'abc')]);
  const service = await startService(
    { ...serviceEnv(run), KAFKA_TOPIC_PATTERN: `^${prefix}\\..*tickets$`, LAKEHOUSE_ON_BAD_RECORD: 'fail' },
    { dataDir: tempDataDir('shori-kafka-poison-') },
  );
  running.push(service);
  const sse = new SseCollector(service.url);
  const fatal = await waitFor(
    'a fatal pipeline_error',
    async () => {
      const h = await service.health();
      return !h.lakehouse_running && h.counters.last_error !== null && h;
    },
    180_000,
    300,
  );
  assert.match(fatal.counters.last_error ?? '', /TicketID: abc is not a valid long.*LAKEHOUSE_ON_BAD_RECORD=fail/);
  assert.equal(fatal.status, 'degraded');
  sse.close();
  assert.equal(await service.stop(), 0);
});
