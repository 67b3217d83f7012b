// The lakehouse consumer: its own subscriber group, micro-batching records (by count, bytes and
// time) into the medallion. Per batch: append to Bronze (the log), then commit the feed positions
// (only for partitions still held), then let every derived table catch up from Bronze on its own
// (medallion.ts). On (re)assignment a partition resumes after the highest position Bronze holds;
// on revocation its buffered records are dropped and its positions are not committed. Events that
// cannot be applied are quarantined and announced (non-fatal), or, with
// LAKEHOUSE_ON_BAD_RECORD=fail, stop the worker. A step that keeps failing is fatal: reported (SSE
// `pipeline_error`, /api/health) and the worker stops rather than skip data; health is back to ok
// after the next successful batch, with the last error still shown.
import type { Feed, FeedRecord, FeedSubscription, StreamPartition } from '../feeds/feed.ts';
import { partitionId } from '../feeds/feed.ts';
import type { Broadcaster } from '../sse/broadcaster.ts';
import type { PipelineState } from './pipeline-state.ts';
import type { Logger } from '../log/logger.ts';
import type { DeltaTable } from '@shori/delta';
import type { CatchUpResult, Medallion } from '../lakehouse/medallion/medallion.ts';
import type { GoldRefresher } from '../lakehouse/medallion/gold.ts';
import { describeError, errorCode, isShoriError } from '../errors.ts';
import { isoMicros } from '../util/time.ts';
import { faultPoint } from '../faults/index.ts';

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
  /** VACUUM keeps the files of the last N hours (default: each table's own retention, 7 days). */
  vacuumRetentionHours?: number;
  /** Attempts per step before the error is fatal. */
  maxAttempts?: number;
  retryBackoffSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Records decoded between two looks at the catch-up (a few ms of main-thread work). */
const DECODE_SLICE = 200;
/** How long a poll during the catch-up may wait for records. */
const OVERLAP_POLL_MS = 10;

export class LakehouseWorker {
  readonly #o: LakehouseWorkerOptions;
  #subscription: FeedSubscription | null = null;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #lastGoldMs = 0;
  #batchesSinceOptimize = 0;
  #lastVacuumMs = Date.now();
  #goldDirty = true;
  /** Polled, not yet written records. */
  #buffer: FeedRecord[] = [];
  #bufferBytes = 0;
  /** When the first buffered record arrived (the flush interval runs from it). */
  #firstAt = 0;
  /** Derived tables may lag Bronze (start, a failed catch-up): catch up before waiting for input. */
  #catchUpDue = true;

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
    this.#catchUpDue = true;
    this.#o.state.lakehouse.running = true;
    this.#o.state.lakehouse.lastBeatMs = Date.now();
    this.#loop = this.#run().catch((error: unknown) => this.#fatal(error));
  }

  /** Revoked partitions: their buffered records are dropped (the new owner reads them). */
  #revoke(partitions: StreamPartition[]): void {
    const gone = new Set(partitions.map(partitionId));
    const kept = this.#buffer.filter((r) => !gone.has(partitionId(r)));
    if (kept.length === this.#buffer.length) return;
    this.#o.logger.info(
      { partitions: [...gone], dropped: this.#buffer.length - kept.length },
      'partitions revoked: their buffered records are left to the new owner',
    );
    this.#buffer = kept;
    this.#bufferBytes = kept.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0);
  }

  async #run(): Promise<void> {
    const { feed, group, medallion, state, maxBatchSize, maxBatchBytes, flushIntervalSec } = this.#o;
    this.#subscription = await feed.subscribe({
      group,
      initial: 'earliest',
      onAssigned: (partitions) => medallion.resumePositions(partitions),
      onRevoked: async (partitions) => this.#revoke(partitions),
    });
    while (!this.#stopping) {
      state.lakehouse.lastBeatMs = Date.now();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#catchUpDue && this.#buffer.length === 0) {
        const result = await this.#attempt('catch-up', () => medallion.catchUp());
        this.#catchUpDue = false;
        state.derivedPending = false;
        if (result.versionsApplied > 0) await this.#report(result, null);
      }
      const waitMs = this.#buffer.length === 0 ? 500 : Math.max(1, this.#firstAt + flushIntervalSec * 1000 - Date.now());
      this.#take(await this.#subscription.poll(Math.max(1, maxBatchSize - this.#buffer.length), Math.min(waitMs, 500)));
      const due =
        this.#buffer.length > 0 &&
        (this.#buffer.length >= maxBatchSize || this.#bufferBytes >= maxBatchBytes || Date.now() - this.#firstAt >= flushIntervalSec * 1000);
      if (due) {
        const batch = this.#buffer;
        this.#buffer = [];
        this.#bufferBytes = 0;
        await this.#flush(batch);
      } else if (this.#buffer.length === 0) {
        await this.#maybeRefreshGold(null).catch((error: unknown) => this.#o.logger.warn({ err: describeError(error) }, 'Gold refresh failed; will try again'));
      }
    }
    // Stopping: what was polled but not flushed is simply not committed; it is read again next time.
  }

  /** Polled records into the buffer (the flush interval runs from the first one). */
  #take(records: FeedRecord[]): void {
    if (records.length === 0) return;
    if (this.#buffer.length === 0) this.#firstAt = Date.now();
    for (const r of records) {
      this.#bufferBytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      this.#buffer.push(r);
    }
    this.#o.state.derivedPending = true;
  }

  /**
   * While `work` (the Bronze append or the catch-up, mostly DuckDB's threads) runs: polls the next batch and decodes it
   * in slices, so the main thread decodes while DuckDB writes. Slices are small, so the catch-up's
   * own steps wait at most one slice. Nothing is written or committed here.
   */
  async #overlap(work: Promise<unknown>): Promise<void> {
    const { medallion, maxBatchSize } = this.#o;
    let settled = false;
    void work.then(
      () => (settled = true),
      () => (settled = true),
    );
    let ahead = 0;
    while (!settled && !this.#stopping && this.#subscription) {
      if (ahead < this.#buffer.length) {
        const end = Math.min(this.#buffer.length, ahead + DECODE_SLICE);
        medallion.decodeAhead(this.#buffer.slice(ahead, end));
        ahead = end;
        await new Promise((resolve) => setImmediate(resolve));
      } else if (this.#buffer.length < maxBatchSize) {
        try {
          this.#take(await this.#subscription.poll(maxBatchSize - this.#buffer.length, OVERLAP_POLL_MS));
        } catch {
          return; // the main loop's next poll meets the same failure and handles it, after the catch-up
        }
      } else {
        return;
      }
    }
  }

  /**
   * Runs one step, retrying transient failures; the last failure (or a fatal one) is thrown. Health
   * is degraded from a failure until the next success.
   */
  async #attempt<T>(label: string, step: () => Promise<T>): Promise<T> {
    const { state, logger, broadcaster, retryBackoffSec } = this.#o;
    const maxAttempts = this.#o.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        state.batchesFailed++;
        state.failing = true;
        state.lastError = describeError(error);
        state.lastErrorCode = errorCode(error);
        state.lastErrorAt = isoMicros();
        const fatal = (isShoriError(error) && error.fatal) || attempt >= maxAttempts || this.#stopping;
        logger.error({ err: state.lastError, step: label, attempt, fatal }, `${label} failed`);
        if (fatal) throw error;
        broadcaster.publish('pipeline_error', { message: state.lastError, fatal: false, code: state.lastErrorCode ?? undefined });
        await sleep(retryBackoffSec * 1000 * attempt);
      }
    }
  }

  async #flush(records: FeedRecord[]): Promise<void> {
    const { medallion } = this.#o;
    const started = performance.now();
    const bronzeStep = this.#attempt('Bronze append', async () => {
      const result = await medallion.appendBronze(records);
      faultPoint('feed:before-commit');
      // Only partitions still held: a revoked partition's progress belongs to its new owner.
      const held = new Set(this.#subscription!.assignments().map(partitionId));
      await this.#subscription!.commit(result.positions.filter((p) => held.has(partitionId(p))));
      faultPoint('feed:after-commit');
      return result;
    });
    // The Bronze COPY and commit are DuckDB's and the storage's work: meanwhile the next batch is read.
    await this.#overlap(bronzeStep);
    const bronze = await bronzeStep;
    this.#o.state.decodeErrors += bronze.decodeErrors;
    this.#catchUpDue = true;
    this.#o.state.derivedPending = true;
    const catchUp = this.#attempt('catch-up', () => medallion.catchUp());
    await this.#overlap(catchUp);
    const result = await catchUp;
    this.#catchUpDue = false;
    this.#o.state.derivedPending = this.#buffer.length > 0;
    await this.#report(result, { records: bronze.records, ms: Math.round(performance.now() - started) });
    await this.#maybeMaintain();
  }

  /** Counters, health, SSE and log after a successful catch-up. */
  async #report(result: CatchUpResult, batch: { records: number; ms: number } | null): Promise<void> {
    const { state, logger, broadcaster } = this.#o;
    if (state.failing) broadcaster.publish('pipeline_error', { message: 'lakehouse recovered', fatal: false, cleared: true });
    state.failing = false;
    state.batchesOk++;
    state.redelivered += result.redelivered;
    state.eventsRejected += result.rejected;
    state.lastBatchAt = isoMicros();
    if (result.rejected > 0) {
      const first = result.rejects[0];
      const message = `${result.rejected} event(s) could not be applied and were quarantined in silver/_rejected (first: ${first.topic}/${first.partition}/${first.offset}: ${first.reason})`;
      logger.warn(
        {
          rejected: result.rejected,
          rejects: result.rejects.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, table: r.table, reason: r.reason })),
        },
        'events quarantined',
      );
      broadcaster.publish('pipeline_error', { message, fatal: false, code: 'SHORI_BAD_RECORD' });
    }
    for (const message of result.tablesDiscovered) logger.info({ table: message }, 'captured table');
    for (const message of result.schemaChanges) logger.info({ schema: message }, 'Silver schema changed');
    for (const message of result.schemaDrift) {
      // Not fatal: nothing is lost (Bronze keeps the whole payload), but the operator must know.
      state.warn(message);
      logger.warn({ drift: message }, 'source schema differs from Silver');
      broadcaster.publish('pipeline_error', { message, fatal: false, code: 'SHORI_SCHEMA_DRIFT' });
    }
    this.#goldDirty = true;
    await this.#publishBatch(result, batch);
  }

  async #publishBatch(result: CatchUpResult, batch: { records: number; ms: number } | null): Promise<void> {
    const { logger, broadcaster, state } = this.#o;
    const goldRecomputed = await this.#maybeRefreshGold(result.versions).catch((error: unknown) => {
      // Gold is derived: a failed refresh is reported and tried again at the next interval.
      logger.warn({ err: describeError(error) }, 'Gold refresh failed; will try again');
      broadcaster.publish('pipeline_error', { message: `Gold refresh failed: ${describeError(error)}`, fatal: false });
      return false;
    });
    const records = batch?.records ?? result.changes;
    const summary = `${records} records, ${result.changes} changes, ${result.silverRowsChanged} Silver rows changed${batch ? ` in ${batch.ms} ms` : ' (caught up from Bronze)'}`;
    logger.info(
      { records, changes: result.changes, rejected: result.rejected, redelivered: result.redelivered, versions: result.versions, ms: batch?.ms },
      'batch committed',
    );
    broadcaster.publish('lakehouse_update', {
      summary,
      processed: records - result.rejected,
      failed: result.rejected,
      gold_recomputed: goldRecomputed,
      batch_size: records,
      batch_at: state.lastBatchAt ?? isoMicros(),
      versions: result.versions,
      freshness_ms: result.freshnessMs,
    });
  }

  async #maybeMaintain(): Promise<void> {
    const { medallion, optimizeEveryBatches, vacuumIntervalHours, vacuumRetentionHours, logger } = this.#o;
    this.#batchesSinceOptimize++;
    const optimizeDue = optimizeEveryBatches > 0 && this.#batchesSinceOptimize >= optimizeEveryBatches;
    const vacuumDue = vacuumIntervalHours > 0 && Date.now() - this.#lastVacuumMs >= vacuumIntervalHours * 3_600_000;
    if (!optimizeDue && !vacuumDue) return;
    this.#batchesSinceOptimize = 0;
    if (vacuumDue) this.#lastVacuumMs = Date.now();
    const started = performance.now();
    try {
      const result = await medallion.maintain({ vacuum: vacuumDue, ...(vacuumRetentionHours !== undefined ? { retentionHours: vacuumRetentionHours } : {}) });
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
    // Every Silver table can be named by a Gold SQL file as {{silver.<table>}} (and its history, when
    // kept: a history left behind by an earlier run is not offered, it no longer follows Silver).
    const sources: Record<string, DeltaTable> = { 'bronze.cdc_events': medallion.bronze };
    for (const t of medallion.specTables) {
      sources[`silver.${t.spec.name}`] = t.silver;
      if (t.history) sources[`silver.${t.spec.name}_history`] = t.history;
    }
    for (const t of medallion.appendOnly) sources[`silver.${t.spec.name}_history`] = t.history;
    const recomputed = await gold.refresh(medallion.conn, sources);
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
    state.lastErrorAt = isoMicros();
    state.failing = true;
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
    this.#o.state.lastErrorAt = null;
    this.#o.state.failing = false;
    this.#buffer = [];
    this.#bufferBytes = 0;
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
