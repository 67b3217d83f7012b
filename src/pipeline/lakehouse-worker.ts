// The lakehouse consumer: its own subscriber group, micro-batching records (by count, bytes and
// time) into the medallion. Positions are committed to the feed only after the Delta commits, and
// on (re)assignment the worker resumes from the positions the Delta `txn` actions record, so a
// crash anywhere is exactly once. A batch that keeps failing is fatal: reported (SSE
// `pipeline_error`, /api/health.last_error) and the worker stops rather than skip data.
import type { Feed, FeedRecord, FeedSubscription } from '../feeds/feed.ts';
import type { Broadcaster } from '../sse/broadcaster.ts';
import type { PipelineState } from './pipeline-state.ts';
import type { Logger } from '../log/logger.ts';
import type { Medallion } from '../lakehouse/medallion/lakehouse.ts';
import type { GoldRefresher } from '../lakehouse/medallion/gold.ts';
import { describeError, errorCode, isShoriError } from '../errors.ts';
import { isoMicros } from '../util/time.ts';

export interface LakehouseWorkerOptions {
  feed: Feed;
  group: string;
  medallion: Medallion;
  gold: GoldRefresher;
  broadcaster: Broadcaster;
  state: PipelineState;
  logger: Logger;
  flushIntervalSec: number;
  maxBatchSize: number;
  maxBatchBytes: number;
  goldRefreshIntervalSec: number;
  /** Compact every N committed batches (0 = never). */
  optimizeEveryBatches: number;
  /** VACUUM every N hours (0 = never). */
  vacuumIntervalHours: number;
  /** Attempts per batch before the error is fatal. */
  maxAttempts?: number;
  retryBackoffSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LakehouseWorker {
  readonly #o: LakehouseWorkerOptions;
  #subscription: FeedSubscription | null = null;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #lastGoldMs = 0;
  #batchesSinceOptimize = 0;
  #lastVacuumMs = Date.now();
  #goldDirty = true;

  constructor(options: LakehouseWorkerOptions) {
    this.#o = options;
  }

  subscription(): FeedSubscription | null {
    return this.#subscription;
  }

  get running(): boolean {
    return this.#o.state.lakehouse.running;
  }

  start(): void {
    if (this.#loop && this.running) return;
    this.#stopping = false;
    this.#o.state.lakehouse.running = true;
    this.#o.state.lakehouse.lastBeatMs = Date.now();
    this.#loop = this.#run().catch((error: unknown) => this.#fatal(error));
  }

  async #run(): Promise<void> {
    const { feed, group, medallion, state, maxBatchSize, maxBatchBytes, flushIntervalSec } = this.#o;
    this.#subscription = await feed.subscribe({
      group,
      initial: 'earliest',
      onAssigned: (partitions) => medallion.resumePositions(partitions),
    });
    let buffer: FeedRecord[] = [];
    let bytes = 0;
    let firstAt = 0;
    while (!this.#stopping) {
      state.lakehouse.lastBeatMs = Date.now();
      await new Promise((resolve) => setImmediate(resolve));
      const waitMs = buffer.length === 0 ? 500 : Math.max(1, firstAt + flushIntervalSec * 1000 - Date.now());
      const records = await this.#subscription.poll(Math.max(1, maxBatchSize - buffer.length), Math.min(waitMs, 500));
      if (records.length > 0 && buffer.length === 0) firstAt = Date.now();
      for (const r of records) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      for (const r of records) buffer.push(r);
      const due = buffer.length > 0 && (buffer.length >= maxBatchSize || bytes >= maxBatchBytes || Date.now() - firstAt >= flushIntervalSec * 1000);
      if (due) {
        await this.#flush(buffer);
        buffer = [];
        bytes = 0;
      } else if (buffer.length === 0) {
        await this.#maybeRefreshGold(null).catch((error: unknown) => this.#o.logger.warn({ err: describeError(error) }, 'Gold refresh failed; will try again'));
      }
    }
    // Stopping: what was polled but not flushed is simply not committed; it is read again next time.
  }

  async #flush(records: FeedRecord[]): Promise<void> {
    const { medallion, state, logger, broadcaster, retryBackoffSec } = this.#o;
    const maxAttempts = this.#o.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const started = performance.now();
        const result = await medallion.writeBatch(records);
        await this.#subscription!.commit(result.positions);
        state.batchesOk++;
        state.decodeErrors += result.decodeErrors;
        state.redelivered += result.redelivered;
        for (const message of result.schemaDrift) {
          // Not fatal: nothing is lost (Bronze keeps the whole payload), but the operator must know.
          state.warnings.push(message);
          logger.warn({ drift: message }, 'source schema differs from Silver');
          broadcaster.publish('pipeline_error', { message, fatal: false, code: 'SHORI_SCHEMA_DRIFT' });
        }
        state.lastBatchAt = isoMicros();
        this.#goldDirty = true;
        const goldRecomputed = await this.#maybeRefreshGold(result.versions).catch((error: unknown) => {
          // Gold is derived: a failed refresh (e.g. another instance overwrote it at the same moment)
          // is reported and tried again at the next interval, never a reason to redo the batch.
          logger.warn({ err: describeError(error) }, 'Gold refresh failed; will try again');
          broadcaster.publish('pipeline_error', { message: `Gold refresh failed: ${describeError(error)}`, fatal: false });
          return false;
        });
        const ms = Math.round(performance.now() - started);
        const summary = `${result.records} records, ${result.changes} changes, ${result.silverRowsChanged} Silver rows changed in ${ms} ms`;
        logger.info({ records: result.records, changes: result.changes, decodeErrors: result.decodeErrors, ms, versions: result.versions }, 'batch committed');
        broadcaster.publish('lakehouse_update', {
          summary,
          processed: result.records - result.decodeErrors,
          failed: result.decodeErrors,
          gold_recomputed: goldRecomputed,
          batch_size: result.records,
          batch_at: state.lastBatchAt,
          versions: result.versions,
          freshness_ms: result.freshnessMs,
        });
        await this.#maybeMaintain();
        return;
      } catch (error) {
        state.batchesFailed++;
        state.lastError = describeError(error);
        state.lastErrorCode = errorCode(error);
        const fatal = (isShoriError(error) && error.fatal) || attempt >= maxAttempts || this.#stopping;
        logger.error({ err: state.lastError, attempt, fatal }, 'batch failed');
        if (fatal) throw error;
        broadcaster.publish('pipeline_error', { message: state.lastError, fatal: false, code: state.lastErrorCode ?? undefined });
        await sleep(retryBackoffSec * 1000 * attempt);
      }
    }
  }

  async #maybeMaintain(): Promise<void> {
    const { medallion, optimizeEveryBatches, vacuumIntervalHours, logger } = this.#o;
    this.#batchesSinceOptimize++;
    const optimizeDue = optimizeEveryBatches > 0 && this.#batchesSinceOptimize >= optimizeEveryBatches;
    const vacuumDue = vacuumIntervalHours > 0 && Date.now() - this.#lastVacuumMs >= vacuumIntervalHours * 3_600_000;
    if (!optimizeDue && !vacuumDue) return;
    this.#batchesSinceOptimize = 0;
    if (vacuumDue) this.#lastVacuumMs = Date.now();
    const started = performance.now();
    try {
      const result = await medallion.maintain({ vacuum: vacuumDue });
      logger.info({ ...result, ms: Math.round(performance.now() - started) }, 'table maintenance done');
    } catch (error) {
      // Maintenance is an optimisation: a failure (e.g. a lost race) is logged, never fatal.
      logger.warn({ err: describeError(error) }, 'table maintenance failed; will try again later');
    }
  }

  async #maybeRefreshGold(versions: Record<string, number> | null): Promise<boolean> {
    const { medallion, gold, goldRefreshIntervalSec, broadcaster, state } = this.#o;
    if (!this.#goldDirty || Date.now() - this.#lastGoldMs < goldRefreshIntervalSec * 1000) return false;
    this.#lastGoldMs = Date.now();
    const recomputed = await gold.refresh(medallion.conn, { 'silver.tickets': medallion.silver, 'silver.tickets_history': medallion.history, 'bronze.cdc_events': medallion.bronze });
    this.#goldDirty = false;
    if (recomputed && versions === null) {
      // Gold moved between batches: tell the dashboard so it re-reads the Gold tables.
      broadcaster.publish('lakehouse_update', {
        summary: 'Gold recomputed',
        processed: 0,
        failed: 0,
        gold_recomputed: true,
        batch_size: 0,
        batch_at: state.lastBatchAt ?? isoMicros(),
        versions: {},
        freshness_ms: null,
      });
    }
    return recomputed;
  }

  #fatal(error: unknown): void {
    const { state, logger, broadcaster } = this.#o;
    state.lastError = describeError(error);
    state.lastErrorCode = errorCode(error);
    state.lakehouse.running = false;
    logger.error({ err: state.lastError }, 'lakehouse worker stopped on a fatal error');
    broadcaster.publish('pipeline_error', { message: state.lastError, fatal: true, code: state.lastErrorCode ?? undefined });
    void this.#subscription?.close().catch(() => undefined);
    this.#subscription = null;
  }

  /** Restarts a worker stopped by a fatal error (after the operator fixed the cause). */
  restart(): boolean {
    if (this.running) return false;
    this.#o.state.lastError = null;
    this.#o.state.lastErrorCode = null;
    this.#o.broadcaster.publish('pipeline_error', { message: 'lakehouse worker restarted', fatal: false, cleared: true });
    this.start();
    return true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await this.#subscription?.close();
    this.#subscription = null;
    this.#o.state.lakehouse.running = false;
  }
}
