// The service with its lake on an object store (real servers on loopback, started once for this
// file): the embedded end to end (Silver equals the sources, Bronze exactly once, Gold equals the
// sources, the table API and its time travel), credentials never in health or logs (on Azure with
// an ADLS Gen2 abfss:// LAKE_URI, reached through the Blob endpoint of the connection string, which
// is Azurite's; the two-instance run uses az://); and two
// service processes with separate DATA_DIRs in one Kafka consumer group writing one lake on the
// store (needs the local Kafka/Debezium stack, scripts/stack.sh; a failure under CI=true).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, startService, waitFor, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, queryDelta, silverTickets, sourceTickets, type LakeRef } from '../helpers/lake.ts';
import { abfssUri, startStore, type StoreKind, type StoreServer } from '../helpers/object-stores.ts';
import { acquireStack, requireStack, type StackLease } from '../kafka/stack-fixture.ts';
import { twoInstancesOneLake } from '../kafka/pipeline-fixture.ts';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const FAST = {
  GENERATOR_ENABLED: 'false',
  LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5',
  LAKEHOUSE_MAX_BATCH_SIZE: '500',
  GOLD_REFRESH_INTERVAL_SEC: '0.5',
  LAKEHOUSE_OPTIMIZE_EVERY_BATCHES: '3',
  DELTA_CHECKPOINT_INTERVAL: '5',
};

const running: ServiceProcess[] = [];
let lease: StackLease | undefined;
after(async () => {
  for (const s of running) await s.kill();
  await lease?.release();
});

for (const kind of ['s3', 'azure'] as StoreKind[]) {
  describe(`the service with its lake on ${kind}`, () => {
    let server: StoreServer;
    before(async () => {
      server = await startStore(kind);
    });
    after(async () => {
      await server?.stop();
    });

    test(`embedded end to end${kind === 'azure' ? ' (abfss://)' : ''}: Silver equals the sources, Bronze exactly once, Gold and the table API read the store`, async () => {
      const plain = await server.lake('lake');
      const uri = kind === 'azure' ? abfssUri(plain) : plain;
      const lake: LakeRef = { uri, env: server.env };
      const service = await startService({ ...FAST, ...server.env, LAKE_URI: uri });
      running.push(service);
      const counts = await generate(service.dataDir, ['--count', '1500', '--rate', '0', '--key-changes', '0.02', '--bursts', '0.1', '--seed', '7']);
      const expectedEvents = counts.inserts + counts.updates + counts.deletes + counts.keyChanges;
      await waitFor(
        'the lakehouse to catch up',
        async () => {
          const h = await service.health();
          return h.lag.length > 0 && h.lag.every((p) => p.lag === 0) && !h.lakehouse_pending && h.counters.events_received >= expectedEvents;
        },
        240_000,
        300,
      );

      assert.deepEqual(diffRows(sourceTickets(service.dataDir, SOURCES), await silverTickets(lake)), []);
      // abfss://container@account.../prefix is the blobs of az://container/prefix: the same tables.
      if (uri !== plain) assert.deepEqual(diffRows(sourceTickets(service.dataDir, SOURCES), await silverTickets({ uri: plain, env: server.env })), []);
      const [bronze] = await queryDelta(
        lake,
        'bronze',
        'cdc_events',
        (scan) =>
          `SELECT count(*)::INT AS records, count(DISTINCT (topic, "partition", "offset"))::INT AS distinct_records, count(*) FILTER (WHERE op IS NOT NULL)::INT AS changes FROM ${scan} AS t`,
      );
      assert.equal(Number(bronze.records), Number(bronze.distinct_records), 'no duplicate in Bronze');
      assert.equal(Number(bronze.changes), expectedEvents, 'every change event in Bronze');

      // Gold, recomputed from Silver on the store, equals the count by status of the sources.
      const expectedByStatus = new Map<string, number>();
      for (const row of sourceTickets(service.dataDir, SOURCES).values())
        expectedByStatus.set(String(row.Status), (expectedByStatus.get(String(row.Status)) ?? 0) + 1);
      await waitFor(
        'Gold to reflect Silver',
        async () => {
          const gold = await queryDelta(lake, 'gold', 'tickets_by_status', (scan) => `SELECT status, tickets FROM ${scan} AS t`).catch(() => []);
          const got = new Map(gold.map((r) => [String(r.status), Number(r.tickets)]));
          return JSON.stringify([...got].sort()) === JSON.stringify([...expectedByStatus].sort());
        },
        120_000,
        500,
      );

      // The table API (the dashboard's table browser) reads the store, with time travel.
      const tables = (await (await fetch(`${service.url}/api/tables`)).json()) as {
        tables: Array<{ layer: string; name: string; version: number; num_rows: number }>;
      };
      const silver = tables.tables.find((x) => x.layer === 'silver' && x.name === 'tickets');
      assert.ok(silver && silver.version > 0, JSON.stringify(tables));
      const page = (await (await fetch(`${service.url}/api/tables/silver/tickets?limit=5`)).json()) as { total: number; rows: unknown[] };
      assert.equal(page.total, sourceTickets(service.dataDir, SOURCES).size);
      assert.equal(page.rows.length, 5);
      const first = (await (await fetch(`${service.url}/api/tables/silver/tickets?version=0&limit=5`)).json()) as { version: number; total: number };
      assert.deepEqual([first.version, first.total], [0, 0], 'version 0 is the empty table');

      // Credentials: never in health (the knobs show LAKE_URI, which holds none) nor in the log.
      const healthText = JSON.stringify(await service.health());
      assert.match(healthText, new RegExp(`"LAKE_URI":"${uri}"`));
      const secrets = kind === 's3' ? [server.env.AWS_SECRET_ACCESS_KEY] : [/AccountKey=([^;]+)/.exec(server.env.AZURE_STORAGE_CONNECTION_STRING)![1]];
      for (const secret of secrets) {
        assert.ok(!healthText.includes(secret), 'no secret in /api/health');
        assert.ok(!service.output().includes(secret), 'no secret in the log');
      }
      assert.equal(await service.stop(), 0);
    });

    test('two instances, separate DATA_DIRs, one Kafka consumer group, one lake on the store: exact', async (t) => {
      lease ??= await acquireStack();
      if (!requireStack(t, lease)) return;
      await twoInstancesOneLake(t, { uri: await server.lake('lake'), env: server.env }, running, 1200);
    });
  });
}
