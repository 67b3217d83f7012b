// Real-stack failures: Kafka restarted and a Connect worker SIGKILLed while changes flow (Debezium
// re-publishes what it had not committed), and two instances of the service sharing the partitions
// of multi-partition topics while committing to the same Delta tables. Silver must still equal the
// sources, Bronze hold every Kafka record once (re-published events are new records: Bronze is the
// log), and no re-published change reach Silver or history twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireStack, requireStack, type StackLease } from './stack-fixture.ts';
import { startService, tempDataDir, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import {
  bronzeDuplicates,
  generate,
  historyDuplicates,
  republishedSince,
  serviceEnv,
  silverAppliedTwice,
  stack,
  twoInstancesOneLake,
  waitConverged,
} from './pipeline-fixture.ts';

let lease: StackLease | undefined;
const running: ServiceProcess[] = [];
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  for (const s of running) await s.kill();
  // Whatever a test stopped comes back before the lease is released.
  await stack('up').catch(() => undefined);
  await lease?.release();
});

test('Kafka restarted mid-stream: the consumers reconnect, Silver equals the sources, Bronze holds each record once', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${process.pid}-${Date.now()}`;
  const dataDir = tempDataDir('shori-kafka-faults-');
  const service = await startService(serviceEnv(run), { dataDir });
  running.push(service);

  const load = Promise.all([
    generate('postgres', ['--count', '2400', '--rate', '120', '--bursts', '0.2', '--key-changes', '0.02']),
    generate('mariadb', ['--count', '2400', '--rate', '120', '--bursts', '0.2', '--key-changes', '0.02']),
  ]);
  await waitFor('batches before the fault', async () => (await service.health()).counters.batches_ok >= 3, 120_000, 100);

  // Kafka goes away and comes back; the service's consumers reconnect by themselves.
  await stack('stop', 'kafka');
  await new Promise((r) => setTimeout(r, 3_000));
  await stack('up');
  const okBefore = (await service.health()).counters.batches_ok;
  await waitFor('batches after the Kafka restart', async () => (await service.health()).counters.batches_ok > okBefore + 2, 180_000, 200);
  await load;
  await waitConverged(dataDir);

  const bronze = await bronzeDuplicates(dataDir);
  assert.equal(bronze.records, bronze.distinctOffsets, 'no Kafka record twice in Bronze');
  const history = await historyDuplicates(dataDir);
  assert.equal(history.rows, history.distinct, 'no change twice in history');
  const health = await service.health();
  assert.equal(health.lakehouse_running, true);
  assert.equal(health.counters.decode_errors, 0);
  assert.equal(await service.stop(), 0);
});

test('a Connect worker SIGKILLed mid-stream: Debezium re-publishes, and nothing reaches Silver or history twice', async (t) => {
  if (!requireStack(t, lease)) return;
  const run = `${process.pid}-${Date.now()}`;
  const dataDir = tempDataDir('shori-kafka-faults-');
  // Batches of 2,000: a fresh group reads every earlier run's events on a long-lived stack first.
  const service = await startService({ ...serviceEnv(run), LAKEHOUSE_MAX_BATCH_SIZE: '2000' }, { dataDir });
  running.push(service);

  // Where the Tickets topics end now: records from there on are this test's (the topics keep earlier runs').
  const ends = await waitFor(
    'the consumer to see both Tickets topics',
    async () => {
      const lag = (await service.health()).lag.filter((p) => /\.tickets$/i.test(p.stream));
      return new Set(lag.map((p) => p.stream)).size >= 2 ? lag.map(({ stream, partition, end }) => ({ stream, partition, end })) : false;
    },
    120_000,
    200,
  );

  // A Connect worker dies mid-stream, without committing its latest source offsets; Debezium replays
  // from the last ones it committed, at new Kafka offsets.
  const load = Promise.all([
    generate('postgres', ['--count', '1500', '--rate', '150', '--bursts', '0.2', '--key-changes', '0.02']),
    generate('mariadb', ['--count', '1500', '--rate', '150', '--bursts', '0.2', '--key-changes', '0.02']),
  ]);
  await waitFor('batches before the fault', async () => (await service.health()).counters.batches_ok >= 3, 120_000, 100);
  await new Promise((r) => setTimeout(r, 2_000));
  await stack('kill', 'connect');
  // A JVM start on a loaded machine can take longer than stack.sh waits: `up` is idempotent, wait again.
  await stack('up').catch(() => stack('up'));
  await load;
  await waitConverged(dataDir);

  await waitFor('the derived tables to apply every Bronze version', async () => !(await service.health()).lakehouse_pending, 60_000, 200);
  const bronze = await bronzeDuplicates(dataDir);
  assert.equal(bronze.records, bronze.distinctOffsets, 'no Kafka record twice in Bronze');
  const republished = await republishedSince(dataDir, ends);
  assert.ok(republished > 0, `Debezium re-published events after this Connect kill (Bronze holds ${republished} of this run's change events twice)`);
  const history = await historyDuplicates(dataDir);
  assert.equal(history.rows, history.distinct, 'no change twice in history');
  // Silver equals the sources (waitConverged), and its change feed shows each source change applied once.
  const silver = await silverAppliedTwice(dataDir);
  assert.ok(silver.applied > 0);
  assert.equal(silver.twice, 0, `no source change applied to Silver twice (of ${silver.applied} applied)`);
  const health = await service.health();
  assert.equal(health.lakehouse_running, true);
  assert.equal(health.counters.decode_errors, 0);
  assert.equal(health.counters.events_rejected, 0);
  assert.ok(health.counters.events_redelivered >= republished, `re-published changes recognised (${health.counters.events_redelivered})`);
  t.diagnostic(
    `events re-published by Debezium in this run: ${republished} (all runs' topics: ${bronze.changes - bronze.distinctEvents}); recognised and skipped by history: ${health.counters.events_redelivered}; Silver applied ${silver.applied} changes, none twice`,
  );
  assert.equal(await service.stop(), 0);
});

test('two instances (separate DATA_DIR, one lake folder) in one consumer group share the partitions of 4-partition topics and commit to the same tables exactly', async (t) => {
  if (!requireStack(t, lease)) return;
  const lake = tempDataDir('shori-kafka-lake-');
  await twoInstancesOneLake(t, { uri: lake, env: {} }, running);
});
