// The embedded feed: the one-machine default. Each captured table of each embedded source is one
// stream (the topic Debezium would write: <source>.TicketsDb.dbo.<Table>) with one partition; a table
// captured while the feed runs becomes a new stream, assigned to every subscription at its next poll
// (as a new topic matching a Kafka pattern would be). Every subscriber group keeps its committed
// position in the source's own `cdc_offsets` table, and change rows are purged once every group has
// committed past them (as SQL Server's CDC cleanup job and Kafka retention would, except that here
// nothing unread is ever purged); resuming below a purge is refused (SHORI_FEED_GAP).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Feed, FeedRecord, FeedSubscription, PartitionPosition, StreamPartition, SubscribeOptions } from '../feed.ts';
import { CaptureReader } from '../../sources/embedded/capture-reader.ts';
import { capturedTables } from '../../sources/embedded/capture.ts';
import { embeddedTopic } from '../../sources/embedded/debezium-envelope.ts';
import { openSourceDb } from '../../sources/embedded/source-db.ts';
import { ShoriError } from '../../errors.ts';

interface SourceHandle {
  db: DatabaseSync;
  reader: CaptureReader;
  /** Prepared once: commits happen every batch. */
  saveOffset: StatementSync;
  slowestOffset: StatementSync;
}

export interface EmbeddedFeedOptions {
  dataDir: string;
  sources: string[];
  /** How often an idle poll looks for new changes. */
  pollIntervalMs: number;
  /** How often polls look for newly captured tables (default 1000 ms). */
  discoveryIntervalMs?: number;
}

export class EmbeddedFeed implements Feed {
  readonly kind = 'embedded' as const;
  readonly #options: EmbeddedFeedOptions;
  readonly #dbs = new Map<string, DatabaseSync>();
  readonly #sources = new Map<string, SourceHandle>();
  readonly #subscriptions = new Set<EmbeddedSubscription>();
  #lastDiscoveryMs = 0;

  constructor(options: EmbeddedFeedOptions) {
    this.#options = options;
    for (const source of options.sources) this.#dbs.set(source, openSourceDb(options.dataDir, source));
    this.discover(true);
  }

  /** Adds a stream for every table captured since the last look; at most once per interval unless forced. */
  discover(force = false): void {
    const now = Date.now();
    if (!force && now - this.#lastDiscoveryMs < (this.#options.discoveryIntervalMs ?? 1000)) return;
    this.#lastDiscoveryMs = now;
    for (const [source, db] of this.#dbs) {
      for (const table of capturedTables(db)) {
        if (this.#sources.has(embeddedTopic(source, table))) continue;
        const reader = new CaptureReader(db, source, table);
        this.#sources.set(reader.stream, {
          db,
          reader,
          saveOffset: db.prepare(
            'INSERT INTO cdc_offsets (grp, stream, next, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (grp, stream) DO UPDATE SET next = excluded.next, updated_at = excluded.updated_at',
          ),
          slowestOffset: db.prepare('SELECT min(next) AS n FROM cdc_offsets WHERE stream = ?'),
        });
      }
    }
  }

  streams(): string[] {
    return [...this.#sources.keys()];
  }

  async subscribe(options: SubscribeOptions): Promise<FeedSubscription> {
    this.discover(true);
    const subscription = new EmbeddedSubscription(this, options, this.#options.pollIntervalMs);
    await subscription.assign(this.streams());
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** @internal Where a group starts on a stream: its committed position, else the initial one. */
  startPosition(group: string, stream: string, initial: SubscribeOptions['initial']): number {
    const handle = this.handle(stream);
    const committed = readCommitted(handle.db, group, stream);
    const { low, end } = handle.reader.bounds();
    return committed ?? (initial === 'earliest' ? low : end);
  }

  /** @internal Refuses a position below purged changes: resuming there would silently skip them. */
  checkGap(group: string, stream: string, next: number): void {
    const { resumable, low } = this.handle(stream).reader.bounds();
    if (next < resumable) {
      throw new ShoriError(
        'SHORI_FEED_GAP',
        `changes of ${stream} from position ${next} to ${Math.max(low, resumable) - 1} are no longer available (purged); refusing to resume past a gap`,
        { fatal: true, context: { stream, group, next, low, resumable } },
      );
    }
  }

  /** @internal */
  handle(stream: string): SourceHandle {
    const handle = this.#sources.get(stream);
    if (!handle) throw new ShoriError('SHORI_FEED_FAILED', `unknown stream ${stream}`, { context: { stream } });
    return handle;
  }

  /** @internal */
  release(subscription: EmbeddedSubscription): void {
    this.#subscriptions.delete(subscription);
  }

  async close(): Promise<void> {
    for (const s of [...this.#subscriptions]) await s.close();
    for (const db of this.#dbs.values()) db.close();
    this.#dbs.clear();
    this.#sources.clear();
  }
}

function readCommitted(db: DatabaseSync, group: string, stream: string): number | undefined {
  const row = db.prepare('SELECT next FROM cdc_offsets WHERE grp = ? AND stream = ?').get(group, stream) as { next: number } | undefined;
  return row === undefined ? undefined : Number(row.next);
}

class EmbeddedSubscription implements FeedSubscription {
  readonly #feed: EmbeddedFeed;
  readonly #options: SubscribeOptions;
  readonly #positions = new Map<string, number>();
  readonly #pollIntervalMs: number;
  #closed = false;
  #cursor = 0;
  /** What the group has durably committed: lag is measured from here, as Kafka measures it. */
  readonly #committed = new Map<string, number>();

  constructor(feed: EmbeddedFeed, options: SubscribeOptions, pollIntervalMs: number) {
    this.#feed = feed;
    this.#options = options;
    this.#pollIntervalMs = pollIntervalMs;
  }

  /** Takes streams on: positions (committed, initial, or what onAssigned says), gap check, registration. */
  async assign(streams: string[]): Promise<void> {
    const { group, initial, onAssigned } = this.#options;
    const positions = new Map(streams.map((stream) => [stream, this.#feed.startPosition(group, stream, initial)]));
    if (onAssigned) {
      for (const p of await onAssigned(streams.map((stream) => ({ stream, partition: 0 })))) {
        if (positions.has(p.stream)) positions.set(p.stream, p.next);
      }
    }
    for (const [stream, next] of positions) this.#feed.checkGap(group, stream, next);
    for (const [stream, next] of positions) this.#positions.set(stream, next);
    // Register the group at its start so purging never passes a group that has not committed yet.
    await this.commit([...positions].map(([stream, next]) => ({ stream, partition: 0, next })));
  }

  async #assignNewStreams(): Promise<void> {
    this.#feed.discover();
    const fresh = this.#feed.streams().filter((s) => !this.#positions.has(s));
    if (fresh.length > 0) await this.assign(fresh);
  }

  async poll(max: number, waitMs: number): Promise<FeedRecord[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.#closed) return [];
      await this.#assignNewStreams();
      const records = this.#readOnce(max);
      if (records.length > 0 || Date.now() >= deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#pollIntervalMs, Math.max(1, deadline - Date.now()))));
    }
  }

  #readOnce(max: number): FeedRecord[] {
    const streams = [...this.#positions.keys()];
    const out: FeedRecord[] = [];
    // Round-robin the starting stream so one busy source cannot starve another.
    for (let i = 0; i < streams.length && out.length < max; i++) {
      const stream = streams[(this.#cursor + i) % streams.length];
      const next = this.#positions.get(stream)!;
      let records: FeedRecord[];
      try {
        records = this.#feed.handle(stream).reader.read(next, max - out.length);
      } catch (cause) {
        throw new ShoriError('SHORI_FEED_FAILED', `reading ${stream} from position ${next} failed`, { cause, canRetry: true, context: { stream, next } });
      }
      if (records.length > 0) this.#positions.set(stream, records[records.length - 1].position + 1);
      out.push(...records);
    }
    this.#cursor = (this.#cursor + 1) % Math.max(1, streams.length);
    return out;
  }

  async commit(positions: PartitionPosition[]): Promise<void> {
    const now = new Date().toISOString();
    for (const p of positions) {
      const { reader, saveOffset, slowestOffset } = this.#feed.handle(p.stream);
      saveOffset.run(this.#options.group, p.stream, p.next, now);
      this.#committed.set(p.stream, p.next);
      const low = slowestOffset.get(p.stream) as { n: number | null };
      if (low.n !== null) reader.purgeBefore(Number(low.n));
    }
  }

  assignments(): StreamPartition[] {
    return [...this.#positions.keys()].map((stream) => ({ stream, partition: 0 }));
  }

  async lag() {
    return [...this.#positions.keys()].map((stream) => {
      const next = this.#committed.get(stream) ?? this.#positions.get(stream)!;
      const lag = this.#feed.handle(stream).reader.pending(next);
      return { stream, partition: 0, next, end: next + lag, lag };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#feed.release(this);
  }
}
