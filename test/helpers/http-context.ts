// A real ServiceContext for app.inject() tests, without the pipeline's loops: the embedded feed,
// the broadcaster, the pipeline state and a catalogue over Delta tables written by the real
// Medallion in a temporary DATA_DIR. restartLakehouse is a switch the test flips.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createFeed } from '../../src/feeds/create-feed.ts';
import { Broadcaster } from '../../src/sse/broadcaster.ts';
import { PipelineState } from '../../src/pipeline/pipeline-state.ts';
import { TableCatalog } from '../../src/lakehouse/catalog.ts';
import { Medallion } from '../../src/lakehouse/medallion/medallion.ts';
import { buildApp } from '../../src/http/app.ts';
import { createScrubber } from '../../src/http/security/scrub.ts';
import type { ServiceContext } from '../../src/http/context.ts';
import { encodeKey, encodeValue, embeddedTopic } from '../../src/sources/embedded/debezium-envelope.ts';
import type { FeedRecord } from '../../src/feeds/feed.ts';

export interface TestApp {
  app: FastifyInstance;
  context: ServiceContext;
  config: Config;
  dataDir: string;
  /** What restartLakehouse answers next (true: the worker was stopped and is restarted). */
  workerStopped: { value: boolean };
  logs: string[];
  close(): Promise<void>;
}

export function ticketRecords(source: string, count: number): FeedRecord[] {
  const topic = embeddedTopic(source);
  return Array.from({ length: count }, (_, i) => {
    const after = {
      TicketID: i + 1,
      Title: `t${i}`,
      Description: null,
      Status: (i % 3 === 0 ? 'Open' : 'Closed') as 'Open' | 'Closed',
      Priority: 'High' as const,
      Category: 'c',
      CustomerID: 1,
      AssignedTo: null,
      EstimatedCost: '1.25',
      CreatedAt: '2026-01-01T00:00:00.000000Z',
      UpdatedAt: '2026-01-01T00:00:00.000000Z',
      ResolvedAt: null,
    };
    return {
      stream: topic,
      partition: 0,
      position: i,
      key: encodeKey(source, i + 1),
      value: encodeValue({ source, op: 'c', before: null, after, position: i, lsn: i, eventSerialNo: 1, commitTsMs: 0 }),
      timestamp: 0,
    };
  });
}

export async function buildTestApp(env: Record<string, string> = {}, options: { rows?: number; goldNames?: string[] } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shori-http-'));
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const medallion = await Medallion.open(dataDir);
  if (options.rows) await medallion.writeBatch(ticketRecords('shorisql_1', options.rows));
  await medallion.close();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
  const scrub = createScrubber(dataDir);
  const broadcaster = new Broadcaster({
    queueSize: 100,
    overflowLimit: 5,
    maxClients: config.SSE_MAX_CLIENTS,
    maxClientsPerIp: config.SSE_MAX_CLIENTS_PER_IP,
    scrub,
  });
  const feed = await createFeed(config);
  const catalog = new TableCatalog(dataDir, options.goldNames ?? ['tickets_by_status'], {
    queryTimeoutSec: config.TABLE_API_QUERY_TIMEOUT_SEC,
    memoryLimit: config.TABLE_API_MEMORY_LIMIT,
  });
  const workerStopped = { value: false };
  const context: ServiceContext = {
    config,
    feed,
    state: new PipelineState(),
    broadcaster,
    catalog,
    lakehouseSubscription: () => null,
    restartLakehouse: () => {
      if (!workerStopped.value) return false;
      workerStopped.value = false;
      return true;
    },
    scrub,
  };
  const app = await buildApp(context, logger);
  return {
    app,
    context,
    config,
    dataDir,
    workerStopped,
    logs,
    async close() {
      broadcaster.closeAll();
      await app.close();
      catalog.close();
      await feed.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
