// The UI consumer: its own subscriber group on the feed, reading from the latest position. It counts
// change events (per source), emits `cdc_raw` when enabled and `cdc_stats` every interval. It never
// blocks on clients: the broadcaster's per-client queues absorb slow readers.
import type { Feed, FeedSubscription } from '../feeds/feed.ts';
import type { Broadcaster } from '../sse/broadcaster.ts';
import type { PipelineState } from './pipeline-state.ts';
import type { Logger } from '../log/logger.ts';
import { describeError } from '../errors.ts';

export interface UiTapOptions {
  feed: Feed;
  group: string;
  broadcaster: Broadcaster;
  state: PipelineState;
  logger: Logger;
  emitRaw: boolean;
  statsIntervalSec: number;
  restartBackoffSec: number;
}

/** The source of a Debezium topic is its prefix (`topic.prefix`, the logical server name). */
export function sourceOfTopic(topic: string): string {
  const dot = topic.indexOf('.');
  return dot < 0 ? topic : topic.slice(0, dot);
}

export class UiTap {
  readonly #o: UiTapOptions;
  #subscription: FeedSubscription | null = null;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inInterval = 0;
  #lastCommit = 0;
  readonly #uncommitted = new Map<string, { stream: string; partition: number; next: number }>();

  constructor(options: UiTapOptions) {
    this.#o = options;
  }

  subscription(): FeedSubscription | null {
    return this.#subscription;
  }

  start(): void {
    this.#o.state.ui.running = true;
    this.#o.state.ui.lastBeatMs = Date.now();
    this.#timer = setInterval(() => this.#emitStats(), this.#o.statsIntervalSec * 1000);
    this.#loop = this.#run();
  }

  #emitStats(): void {
    const { state, broadcaster, statsIntervalSec } = this.#o;
    const events = this.#inInterval;
    this.#inInterval = 0;
    broadcaster.publish('cdc_stats', {
      events_in_interval: events,
      interval_sec: statsIntervalSec,
      events_per_sec: Math.round((events / statsIntervalSec) * 100) / 100,
      total_received: state.eventsReceived,
      total_dropped: broadcaster.dropped,
      per_source: { ...state.perSource },
    });
  }

  async #run(): Promise<void> {
    const { feed, group, state, logger } = this.#o;
    while (!this.#stopping) {
      try {
        this.#subscription = await feed.subscribe({ group, initial: 'latest' });
        while (!this.#stopping) {
          state.ui.lastBeatMs = Date.now();
          // Yield to I/O between polls: sockets must get to drain, or every client would overflow
          // while a backlog is replayed.
          await new Promise((resolve) => setImmediate(resolve));
          const records = await this.#subscription.poll(500, 500);
          for (const record of records) {
            this.#uncommitted.set(`${record.stream}/${record.partition}`, { stream: record.stream, partition: record.partition, next: record.position + 1 });
            if (record.value === null) {
              state.tombstonesReceived++;
              continue;
            }
            state.eventsReceived++;
            this.#inInterval++;
            const source = sourceOfTopic(record.stream);
            state.perSource[source] = (state.perSource[source] ?? 0) + 1;
            if (this.#o.emitRaw) {
              let payload: unknown;
              try {
                payload = JSON.parse(record.value.toString('utf8'));
              } catch {
                payload = record.value.toString('utf8');
              }
              // The schema envelope is noise for a human: show the payload.
              if (payload && typeof payload === 'object' && 'payload' in payload && 'schema' in payload) payload = (payload as { payload: unknown }).payload;
              this.#o.broadcaster.publish('cdc_raw', { topic: record.stream, partition: record.partition, offset: record.position, payload });
            }
          }
          if (this.#uncommitted.size > 0 && Date.now() - this.#lastCommit > 1000) {
            this.#lastCommit = Date.now();
            await this.#subscription.commit([...this.#uncommitted.values()]);
            this.#uncommitted.clear();
          }
        }
      } catch (error) {
        if (this.#stopping) break;
        logger.warn({ err: describeError(error) }, 'UI consumer failed; restarting after backoff');
        await this.#subscription?.close().catch(() => undefined);
        this.#subscription = null;
        await new Promise((r) => setTimeout(r, this.#o.restartBackoffSec * 1000));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#loop;
    await this.#subscription?.close();
    this.#o.state.ui.running = false;
  }
}
