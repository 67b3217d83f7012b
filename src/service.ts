// Composes the running service: feed → (UI tap, lakehouse worker) → SSE and Delta; HTTP on top.
// main.ts only starts it and wires signals.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.ts';
import type { Logger } from './log/logger.ts';
import type { Feed } from './feeds/feed.ts';
import { createFeed } from './feeds/create-feed.ts';
import { Broadcaster } from './sse/broadcaster.ts';
import { PipelineState } from './pipeline/pipeline-state.ts';
import { UiTap } from './pipeline/ui-tap.ts';
import { LakehouseWorker } from './pipeline/lakehouse-worker.ts';
import { Medallion } from './lakehouse/medallion/medallion.ts';
import { BUILTIN_GOLD_DIR, GoldRefresher, loadGoldDefinitions } from './lakehouse/medallion/gold.ts';
import { GoldSandbox } from './lakehouse/medallion/gold-sandbox.ts';
import { TableCatalog } from './lakehouse/catalog.ts';
import { Lake } from './lakehouse/lake/lake.ts';
import { buildApp } from './http/app.ts';
import { createScrubber } from './http/security/scrub.ts';
import { EmbeddedTarget } from './generator/embedded-target.ts';
import { runWorkload } from './generator/runner.ts';
import { publicKnobs } from './config/index.ts';
import { loadTablesConfig } from './config/tables-config.ts';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dist/dashboard/', import.meta.url));

export interface Service {
  app: FastifyInstance;
  state: PipelineState;
  address: string;
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  logger.info({ knobs: publicKnobs(config) }, 'starting shori-realtime');
  // The lake first: an object store that does not honour put-if-absent is refused here.
  const lake = await Lake.open({
    uri: config.LAKE_URI,
    dataDir: config.DATA_DIR,
    cacheMaxBytes: config.LAKE_CACHE_MAX_BYTES,
    pathStyle: config.LAKE_S3_PATH_STYLE,
  });
  logger.info({ lake: lake.description }, 'lake opened');
  const feed: Feed = await createFeed(config);
  const state = new PipelineState();
  const scrub = createScrubber(config.DATA_DIR);
  const broadcaster = new Broadcaster({
    queueSize: config.SSE_CLIENT_QUEUE_SIZE,
    overflowLimit: config.SSE_CLIENT_OVERFLOW_LIMIT,
    maxClients: config.SSE_MAX_CLIENTS,
    maxClientsPerIp: config.SSE_MAX_CLIENTS_PER_IP,
    scrub,
    onDisconnectSlow: (id, reason) => logger.warn({ client: id, reason }, 'disconnected a slow SSE client'),
  });
  const tablesConfig = loadTablesConfig(config.TABLES_CONFIG);
  const medallion = await Medallion.open(config.DATA_DIR, {
    checkpointInterval: config.DELTA_CHECKPOINT_INTERVAL,
    memoryLimit: config.LAKEHOUSE_MEMORY_LIMIT,
    threads: config.LAKEHOUSE_DUCKDB_THREADS,
    onBadRecord: config.LAKEHOUSE_ON_BAD_RECORD,
    tables: tablesConfig,
    lake,
  });
  const goldDefinitions = loadGoldDefinitions([BUILTIN_GOLD_DIR, config.GOLD_SQL_DIR]);
  await GoldSandbox.checkDefinitions(goldDefinitions); // one statement per file, or start-up stops
  const gold = new GoldRefresher(config.DATA_DIR, goldDefinitions, lake);
  const catalog = new TableCatalog(
    config.DATA_DIR,
    gold.names(),
    { queryTimeoutSec: config.TABLE_API_QUERY_TIMEOUT_SEC, memoryLimit: config.TABLE_API_MEMORY_LIMIT },
    { tables: lake, engineDir: lake.engineDir, tablesConfig },
  );

  const ui = new UiTap({
    feed,
    group: config.KAFKA_UI_GROUP,
    broadcaster,
    state,
    logger: logger.child({ worker: 'ui' }),
    emitRaw: config.SSE_EMIT_CDC_RAW,
    statsIntervalSec: config.SSE_CDC_STATS_INTERVAL_SEC,
    restartBackoffSec: config.KAFKA_CONSUMER_RESTART_BACKOFF_SEC,
  });
  const lakehouse = new LakehouseWorker({
    feed,
    group: config.KAFKA_LAKEHOUSE_GROUP,
    medallion,
    gold,
    broadcaster,
    state,
    logger: logger.child({ worker: 'lakehouse' }),
    flushIntervalSec: config.LAKEHOUSE_FLUSH_INTERVAL_SEC,
    maxBatchSize: config.LAKEHOUSE_MAX_BATCH_SIZE,
    maxBatchBytes: config.LAKEHOUSE_MAX_BATCH_BYTES,
    goldRefreshIntervalSec: config.GOLD_REFRESH_INTERVAL_SEC,
    optimizeEveryBatches: config.LAKEHOUSE_OPTIMIZE_EVERY_BATCHES,
    vacuumIntervalHours: config.LAKEHOUSE_VACUUM_INTERVAL_HOURS,
    vacuumRetentionHours: config.LAKEHOUSE_VACUUM_RETENTION_HOURS,
    retryBackoffSec: Math.min(config.KAFKA_CONSUMER_RESTART_BACKOFF_SEC, 2),
  });

  const app = await buildApp(
    { config, feed, state, broadcaster, catalog, lakehouseSubscription: () => lakehouse.subscription(), restartLakehouse: () => lakehouse.restart(), scrub },
    logger,
    { dashboardDir: DASHBOARD_DIR },
  );
  const heartbeat = setInterval(() => broadcaster.publish('heartbeat', {}), config.SSE_HEARTBEAT_INTERVAL_SEC * 1000);

  ui.start();
  lakehouse.start();

  // The gentle built-in workload, so a newcomer sees movement at once (embedded sources only).
  const generatorAbort = new AbortController();
  let generator: Promise<unknown> = Promise.resolve();
  if (config.GENERATOR_ENABLED && feed.kind === 'embedded') {
    const targets = config.EMBEDDED_SOURCES.map((name) => new EmbeddedTarget(config.DATA_DIR, name));
    generator = runWorkload({
      targets,
      rate: config.GENERATOR_RATE,
      mix: { insert: 50, update: 40, delete: 10 },
      burstFraction: 0.05,
      signal: generatorAbort.signal,
    })
      .catch((error: unknown) => logger.error({ err: String(error) }, 'built-in generator stopped'))
      .finally(() => Promise.all(targets.map((t) => t.close())));
  }

  const address = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ address, feed: feed.kind, dashboard: `${address}/` }, 'shori-realtime is up');

  let stopped = false;
  return {
    app,
    state,
    address,
    async stop() {
      if (stopped) return;
      stopped = true;
      generatorAbort.abort();
      await generator;
      clearInterval(heartbeat);
      // The lakehouse finishes the batch it is writing (no half-written commit), then stops.
      await Promise.all([ui.stop(), lakehouse.stop()]);
      broadcaster.closeAll();
      await app.close();
      catalog.close();
      gold.close();
      await medallion.close();
      await feed.close();
      logger.info('stopped cleanly');
    },
  };
}
