// The lakehouse worker over a scripted feed (the Feed interface, in memory, so a revocation can be
// placed exactly between a poll and a flush): health goes back to ok after the next successful batch
// and keeps the last error with its time; a revoked partition's buffered records are neither written
// nor committed; positions are committed only after Bronze holds the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feed, FeedRecord, FeedSubscription, PartitionPosition, StreamPartition, SubscribeOptions } from '../feeds/feed.ts';
import { Medallion } from '../lakehouse/medallion/medallion.ts';
import { GoldRefresher } from '../lakehouse/medallion/gold.ts';
import { Broadcaster } from '../sse/broadcaster.ts';
import { createLogger } from '../log/logger.ts';
import { PipelineState } from './pipeline-state.ts';
import { LakehouseWorker } from './lakehouse-worker.ts';
import { change, count, STREAM } from '../lakehouse/medallion/medallion-fixtures.ts';

class ScriptedFeed implements Feed, FeedSubscription {
  readonly kind = 'embedded' as const;
  queue: FeedRecord[] = [];
  readonly commits: PartitionPosition[][] = [];
  held: StreamPartition[] = [
    { stream: STREAM, partition: 0 },
    { stream: STREAM, partition: 1 },
  ];
  options: SubscribeOptions | null = null;
  /** Called after a poll returned records (to act between a poll and the flush). */
  afterPoll: (() => Promise<void>) | null = null;

  async subscribe(options: SubscribeOptions): Promise<FeedSubscription> {
    this.options = options;
    await options.onAssigned?.(this.held);
    return this;
  }
  async poll(max: number, waitMs: number): Promise<FeedRecord[]> {
    if (this.queue.length === 0) {
      await new Promise((r) => setTimeout(r, Math.min(waitMs, 20)));
      return [];
    }
    const out = this.queue.splice(0, max);
    const hook = this.afterPoll;
    this.afterPoll = null;
    await hook?.();
    return out;
  }
  async commit(positions: PartitionPosition[]): Promise<void> {
    this.commits.push(positions);
  }
  assignments(): StreamPartition[] {
    return this.held.map((p) => ({ ...p }));
  }
  async lag() {
    return [];
  }
  async close(): Promise<void> {}
}

class RecordingBroadcaster extends Broadcaster {
  readonly seen: Array<{ type: string; data: Record<string, unknown> }> = [];
  override publish(type: Parameters<Broadcaster['publish']>[0], data: Parameters<Broadcaster['publish']>[1]): void {
    this.seen.push({ type, data: data as unknown as Record<string, unknown> });
    super.publish(type, data);
  }
}

async function setup(flushIntervalSec = 0.05) {
  const dataDir = mkdtempSync(join(tmpdir(), 'worker-'));
  const medallion = await Medallion.open(dataDir);
  const feed = new ScriptedFeed();
  const state = new PipelineState();
  const broadcaster = new RecordingBroadcaster({ queueSize: 10, overflowLimit: 10 });
  const worker = new LakehouseWorker({
    feed,
    group: 'g',
    medallion,
    gold: new GoldRefresher(dataDir, []),
    broadcaster,
    state,
    logger: createLogger({ level: 'fatal', format: 'json' }),
    flushIntervalSec,
    maxBatchSize: 100,
    maxBatchBytes: 1 << 20,
    goldRefreshIntervalSec: 3600,
    optimizeEveryBatches: 0,
    vacuumIntervalHours: 0,
    retryBackoffSec: 0.01,
    maxAttempts: 3,
  });
  const until = async (what: string, probe: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 30_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { medallion, feed, state, broadcaster, worker, until };
}

test('a failed attempt degrades health; the next success restores ok and keeps the last error with its time', async () => {
  const { medallion, feed, state, worker, broadcaster, until } = await setup();
  try {
    const merge = medallion.silver.merge.bind(medallion.silver);
    let failures = 1;
    medallion.silver.merge = async (...args: Parameters<typeof merge>) => {
      if (failures-- > 0) {
        assert.equal(state.failing, false, 'healthy before the failure');
        throw new Error('injected Silver failure');
      }
      return merge(...args);
    };
    worker.start();
    feed.queue.push(change(0, 1, 'c', { TicketID: 1 }), change(1, 2, 'c', { TicketID: 2 }));
    await until('the batch to land', () => state.batchesOk >= 1 && !state.derivedPending);
    assert.equal(state.failing, false, 'status back to ok');
    assert.equal(state.lastError, 'injected Silver failure', 'the last error stays visible');
    assert.match(state.lastErrorAt ?? '', /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(state.batchesFailed, 1);
    assert.ok(
      broadcaster.seen.some((e) => e.type === 'pipeline_error' && e.data.cleared === true),
      'the recovery is announced',
    );
    assert.equal(await count(medallion, medallion.silver), 2);
    // Positions were committed once, after Bronze (the retry re-ran only the catch-up).
    assert.deepEqual(feed.commits, [[{ stream: STREAM, partition: 0, next: 2 }]]);
  } finally {
    await worker.stop();
    await medallion.close();
  }
});

test('a partition revoked while its records wait in the buffer: they are dropped, and nothing of it is committed', async () => {
  const { medallion, feed, state, worker, until } = await setup(1.5);
  try {
    worker.start();
    await until('the start-up catch-up', () => !state.derivedPending);
    feed.queue.push(change(0, 1, 'c', { TicketID: 1 }, 0), change(0, 100, 'c', { TicketID: 100 }, 1));
    await until('both records to be buffered', () => feed.queue.length === 0 && state.derivedPending);
    feed.held = [{ stream: STREAM, partition: 0 }];
    await feed.options!.onRevoked!([{ stream: STREAM, partition: 1 }]);
    await until('the batch to land', () => state.batchesOk >= 1 && !state.derivedPending);
    assert.equal(await count(medallion, medallion.bronze), 1, 'only partition 0 written');
    assert.equal(await count(medallion, medallion.silver), 1);
    assert.deepEqual(feed.commits, [[{ stream: STREAM, partition: 0, next: 1 }]]);
  } finally {
    await worker.stop();
    await medallion.close();
  }
});

test('a partition revoked while its batch is being written: Bronze may take it, its position is not committed', async () => {
  const { medallion, feed, state, worker, until } = await setup();
  try {
    worker.start();
    await until('the start-up catch-up', () => !state.derivedPending);
    feed.afterPoll = async () => {
      // A rebalance as the records are handed out: partition 1 now belongs to another member.
      feed.held = [{ stream: STREAM, partition: 0 }];
    };
    feed.queue.push(change(0, 1, 'c', { TicketID: 1 }, 0), change(0, 100, 'c', { TicketID: 100 }, 1));
    await until('the batch to land', () => state.batchesOk >= 1 && !state.derivedPending);
    assert.deepEqual(feed.commits, [[{ stream: STREAM, partition: 0, next: 1 }]], 'no position committed for the revoked partition');
    // The new owner resumes after what Bronze holds, so nothing is written twice.
    assert.deepEqual(await medallion.resumePositions([{ stream: STREAM, partition: 1 }]), [{ stream: STREAM, partition: 1, next: 1 }]);
  } finally {
    await worker.stop();
    await medallion.close();
  }
});
