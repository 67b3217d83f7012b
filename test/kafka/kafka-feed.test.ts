// The Kafka feed against the real broker of the local stack: manual commits and resuming, `initial`,
// `onAssigned` seeks, two members sharing a 4-partition topic, pattern subscriptions picking up new
// topics, the idle-member restart, lag, and a retention gap refused as SHORI_FEED_GAP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer } from '@platformatic/kafka';
import { KafkaFeed, type KafkaFeedOptions } from '../../src/feeds/kafka/kafka-feed.ts';
import type { FeedRecord, FeedSubscription, StreamPartition, SubscribeOptions } from '../../src/feeds/feed.ts';
import { isShoriError } from '../../src/errors.ts';
import { acquireStack, KAFKA_BOOTSTRAP, requireStack, type StackLease } from './stack-fixture.ts';

const RUN = `feedtest-${process.pid}-${Date.now()}`;
/** Guards against a hang, not a speed claim. */
const PATIENCE_MS = 60_000;

let lease: StackLease | undefined;
let admin: Admin;
let producer: Producer;
/** Every feed a test opens; closed in `after` too, so a failed assertion cannot leave the process hanging. */
const feeds: KafkaFeed[] = [];

before(async () => {
  lease = await acquireStack();
  if (lease.unavailable) return;
  admin = new Admin({ clientId: 'shori-feed-test', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  // Idempotent: a send retried after a fresh topic's leader election must not write records twice.
  producer = new Producer({ clientId: 'shori-feed-test', bootstrapBrokers: [KAFKA_BOOTSTRAP], autocreateTopics: false, idempotent: true });
});

after(async () => {
  await Promise.all(feeds.map((f) => f.close().catch(() => undefined)));
  await producer?.close();
  await admin?.close();
  await lease?.release();
});

async function createTopic(name: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [name], partitions, replicas: 1 });
  // Metadata settles asynchronously after CreateTopics: wait until the producer sees every partition
  // (with a partial view it would fold an explicit partition onto another one).
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const metadata = await producer.metadata({ topics: [name], forceUpdate: true }).catch(() => null);
    const topic = metadata?.topics.get(name);
    if (topic && topic.partitionsCount === partitions && topic.partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${name} did not get ${partitions} partitions with leaders`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(topic: string, messages: Array<{ partition?: number; key: string; value: string | null }>): Promise<void> {
  await producer.send({
    messages: messages.map((m) => ({
      topic,
      partition: m.partition ?? 0,
      key: Buffer.from(m.key),
      value: (m.value === null ? null : Buffer.from(m.value)) as Buffer,
    })),
  });
}

function feed(topics: KafkaFeedOptions['topics'], extra: Partial<KafkaFeedOptions> = {}): KafkaFeed {
  const f = new KafkaFeed({
    bootstrapServers: [KAFKA_BOOTSTRAP],
    topics,
    clientId: 'shori-feed-test',
    heartbeatIntervalMs: 500,
    sessionTimeoutMs: 10_000,
    ...extra,
  });
  feeds.push(f);
  return f;
}

/** Polls until `count` records arrived (or PATIENCE_MS passed; then the caller's assertion fails). */
async function pollUntil(sub: FeedSubscription, count: number): Promise<FeedRecord[]> {
  const out: FeedRecord[] = [];
  const deadline = Date.now() + PATIENCE_MS;
  while (out.length < count && Date.now() < deadline) out.push(...(await sub.poll(count - out.length, 500)));
  return out;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
const sortParts = (ps: StreamPartition[]): string[] => ps.map((p) => `${p.stream}/${p.partition}`).sort();

test('records arrive in order with keys, values and tombstones; a reopened group resumes after its commit', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.resume`;
  await createTopic(topic, 1);
  await produce(topic, [...Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })), { key: 'k8', value: null }]);

  const f = feed([topic]);
  const options: SubscribeOptions = { group: `${RUN}-resume`, initial: 'earliest' };
  const first = await f.subscribe(options);
  assert.deepEqual(sortParts(first.assignments()), [`${topic}/0`]);
  const records = await pollUntil(first, 10);
  assert.deepEqual(
    records.map((r) => r.position),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    records.slice(0, 2).map((r) => [r.stream, r.partition, text(r.key), text(r.value)]),
    [
      [topic, 0, 'k0', 'v0'],
      [topic, 0, 'k1', 'v1'],
    ],
  );
  assert.equal(records[9].value, null, 'a null value is a tombstone');
  assert.ok(records[0].timestamp > 1_600_000_000_000);
  assert.deepEqual(await first.lag(), [{ stream: topic, partition: 0, next: 10, end: 10, lag: 0 }]);
  // Processed the first six only.
  await first.commit([{ stream: topic, partition: 0, next: 6 }]);
  await first.close();

  const second = await f.subscribe(options);
  assert.deepEqual(await second.lag(), [{ stream: topic, partition: 0, next: 6, end: 10, lag: 4 }]);
  const resumed = await pollUntil(second, 4);
  assert.deepEqual(
    resumed.map((r) => r.position),
    [6, 7, 8, 9],
  );
  await second.close();
  await f.close();
});

test('initial "latest" skips what was there before the group existed', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.latest`;
  await createTopic(topic, 1);
  await produce(topic, [{ key: 'old', value: 'old' }]);
  const f = feed([topic]);
  const sub = await f.subscribe({ group: `${RUN}-latest`, initial: 'latest' });
  assert.deepEqual(await sub.poll(10, 300), []);
  await produce(topic, [{ key: 'new', value: 'new' }]);
  const got = await pollUntil(sub, 1);
  assert.deepEqual(
    got.map((r) => [r.position, text(r.key)]),
    [[1, 'new']],
  );
  await f.close();
});

test('onAssigned runs before any record of its partitions and a returned position is a seek', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.seek`;
  await createTopic(topic, 2);
  await produce(
    topic,
    Array.from({ length: 10 }, (_, i) => ({ partition: 0, key: `a${i}`, value: `a${i}` })),
  );
  await produce(
    topic,
    Array.from({ length: 3 }, (_, i) => ({ partition: 1, key: `b${i}`, value: `b${i}` })),
  );
  const f = feed([topic]);
  const seen: StreamPartition[][] = [];
  const sub = await f.subscribe({
    group: `${RUN}-seek`,
    initial: 'earliest',
    onAssigned: async (partitions) => {
      seen.push(partitions);
      return [{ stream: topic, partition: 0, next: 7 }];
    },
  });
  assert.equal(seen.length, 1);
  assert.deepEqual(sortParts(seen[0]), [`${topic}/0`, `${topic}/1`]);
  const records = await pollUntil(sub, 6);
  const byPartition = (p: number) => records.filter((r) => r.partition === p).map((r) => r.position);
  assert.deepEqual(byPartition(0), [7, 8, 9]);
  assert.deepEqual(byPartition(1), [0, 1, 2]);
  await f.close();
});

test('two members of one group share a 4-partition topic, and the survivor takes all after one leaves', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.shared`;
  await createTopic(topic, 4);
  await produce(
    topic,
    Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, key: `k${i}`, value: `v${i}` })),
  );
  const ends = await admin.listOffsets({ topics: [{ name: topic, partitions: [0, 1, 2, 3].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
  assert.deepEqual(ends[0].partitions.map((p) => Number(p.offset)).sort(), [10, 10, 10, 10], 'ten records in each partition');
  const f = feed([topic]);
  const group = `${RUN}-shared`;
  const revokedFromA: StreamPartition[] = [];
  const assignedToA: StreamPartition[][] = [];
  const a = await f.subscribe({
    group,
    initial: 'earliest',
    onAssigned: async (ps) => {
      assignedToA.push(ps);
      return [];
    },
    onRevoked: async (ps) => {
      revokedFromA.push(...ps);
    },
  });
  assert.equal(a.assignments().length, 4);
  // B's join completes only once A has rejoined (A notices the rebalance on its next heartbeat).
  const b = await f.subscribe({ group, initial: 'earliest' });
  const deadline = Date.now() + PATIENCE_MS;
  while (a.assignments().length + b.assignments().length !== 4 || a.assignments().length === 4) {
    if (Date.now() > deadline) break;
    await a.poll(0, 100);
  }
  const heldByA = sortParts(a.assignments());
  const heldByB = sortParts(b.assignments());
  assert.equal(heldByA.length, 2);
  assert.equal(heldByB.length, 2);
  assert.deepEqual(
    [...heldByA, ...heldByB].sort(),
    [0, 1, 2, 3].map((p) => `${topic}/${p}`),
  );
  assert.deepEqual(sortParts(revokedFromA), heldByB, 'A was told which partitions moved to B');

  const [fromA, fromB] = await Promise.all([pollUntil(a, 20), pollUntil(b, 20)]);
  assert.deepEqual(new Set(fromA.map((r) => `${r.stream}/${r.partition}`)), new Set(heldByA));
  assert.deepEqual(new Set(fromB.map((r) => `${r.stream}/${r.partition}`)), new Set(heldByB));
  const keys = [...fromA, ...fromB].map((r) => text(r.key)).sort();
  assert.deepEqual(keys, Array.from({ length: 40 }, (_, i) => `k${i}`).sort(), 'every record exactly once');

  await a.commit(fromA.length ? heldByA.map((id) => ({ stream: topic, partition: Number(id.split('/').pop()), next: 10 })) : []);
  await b.commit(heldByB.map((id) => ({ stream: topic, partition: Number(id.split('/').pop()), next: 10 })));
  await b.close();
  const until = Date.now() + PATIENCE_MS;
  while (a.assignments().length !== 4 && Date.now() < until) await a.poll(10, 200);
  assert.equal(a.assignments().length, 4, 'the survivor holds every partition');
  // B's partitions came back to A at B's committed positions: nothing new to read.
  assert.deepEqual(await a.poll(10, 300), []);
  assert.ok(assignedToA.length >= 2);
  await f.close();
});

test('a pattern subscription picks up a topic created later', async (t) => {
  if (!requireStack(t, lease)) return;
  const prefix = `${RUN}.pattern`;
  await createTopic(`${prefix}.one`, 1);
  await produce(`${prefix}.one`, [{ key: 'one', value: '1' }]);
  const f = feed(new RegExp(`^${prefix.replace(/[.]/g, '\\.')}\\.`), { topicRefreshSec: 1 });
  const sub = await f.subscribe({ group: `${RUN}-pattern`, initial: 'earliest' });
  const first = await pollUntil(sub, 1);
  assert.deepEqual(
    first.map((r) => r.stream),
    [`${prefix}.one`],
  );
  await sub.commit([{ stream: `${prefix}.one`, partition: 0, next: 1 }]);
  await createTopic(`${prefix}.two`, 1);
  await produce(`${prefix}.two`, [{ key: 'two', value: '2' }]);
  const second = await pollUntil(sub, 1);
  assert.deepEqual(
    second.map((r) => [r.stream, text(r.key)]),
    [[`${prefix}.two`, 'two']],
  );
  assert.deepEqual(sortParts(sub.assignments()), [`${prefix}.one/0`, `${prefix}.two/0`]);
  await f.close();
});

test('a member that holds no partition for unassignedRestartSec is restarted', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.idle`;
  await createTopic(topic, 1);
  const f = feed([topic], { unassignedRestartSec: 1 });
  const group = `${RUN}-idle`;
  const a = await f.subscribe({ group, initial: 'earliest' });
  const b = await f.subscribe({ group, initial: 'earliest' });
  const subs = [a, b] as Array<FeedSubscription & { restarts: number }>;
  const deadline = Date.now() + PATIENCE_MS;
  // Exactly one of them is idle; polling drives its idle check.
  while (subs.every((s) => s.restarts === 0) && Date.now() < deadline) await Promise.all(subs.map((s) => s.poll(1, 200)));
  assert.ok(
    subs.some((s) => s.restarts > 0),
    'the idle member was replaced by a fresh consumer',
  );
  await f.close();
});

test('a committed position that retention has removed is a fatal SHORI_FEED_GAP, never a silent reset', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}.gap`;
  await createTopic(topic, 1);
  await produce(
    topic,
    Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  );
  const f = feed([topic]);
  const options: SubscribeOptions = { group: `${RUN}-gap`, initial: 'earliest' };
  const first = await f.subscribe(options);
  await pollUntil(first, 2);
  await first.commit([{ stream: topic, partition: 0, next: 2 }]);
  await first.close();
  // As retention would: the records the group has not read yet are gone.
  await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 5n }] }] });

  const second = await f.subscribe(options);
  const error = await second.poll(10, 2_000).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(isShoriError(error, 'SHORI_FEED_GAP'), `expected SHORI_FEED_GAP, got ${String(error)}`);
  assert.equal(error.fatal, true);
  assert.deepEqual(error.context.partitions, [{ stream: topic, partition: 0, next: '2', logStartOffset: '5', highWatermark: '10' }]);
  // It stays failed: no later poll quietly continues past the gap.
  await assert.rejects(second.poll(10, 100), (e: unknown) => isShoriError(e, 'SHORI_FEED_GAP'));
  await f.close();
});

test('with a read-ahead in flight while the caller works, every record is handed out once and in order', async (t) => {
  if (!requireStack(t, lease)) return;
  const topic = `${RUN}-readahead`;
  await createTopic(topic, 2);
  const value = 'v'.repeat(16 * 1024);
  // Many small record batches, so that one fetch (maxBytes 128 KiB) holds only a few of them.
  for (let i = 0; i < 60; i++) {
    await produce(
      topic,
      [0, 1, 2, 3].map((j) => ({ partition: j % 2, key: `k${i * 4 + j}`, value: `${i * 4 + j}:${value}` })),
    );
  }
  const sub = await feed([topic], { maxBytes: 128 * 1024 }).subscribe({ group: `${RUN}-readahead-g`, initial: 'earliest' });
  const got: FeedRecord[] = [];
  const deadline = Date.now() + PATIENCE_MS;
  while (got.length < 240 && Date.now() < deadline) {
    const records = await sub.poll(5, 500);
    got.push(...records);
    // The caller "writes" (the read-ahead fetch is in flight meanwhile) and commits now and then.
    await new Promise((r) => setTimeout(r, 5));
    if (records.length > 0 && got.length % 3 === 0) {
      const last = records.at(-1)!;
      await sub.commit([{ stream: last.stream, partition: last.partition, next: last.position + 1 }]);
    }
  }
  assert.equal(got.length, 240);
  for (const partition of [0, 1]) {
    const positions = got.filter((r) => r.partition === partition).map((r) => r.position);
    assert.deepEqual(
      positions,
      Array.from({ length: 120 }, (_, i) => i),
      `partition ${partition}: each position once, in order`,
    );
  }
  assert.deepEqual(new Set(got.map((r) => text(r.key))).size, 240);
  assert.ok((sub as unknown as { readAheads: number }).readAheads > 0, 'records came from read-ahead fetches');
  assert.deepEqual(await sub.poll(10, 300), []);
  await sub.close();
});
