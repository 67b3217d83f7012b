// The embedded feed: the one-machine default. Each embedded source is one stream with one partition;
// every subscriber group keeps its committed position in the source's own `cdc_offsets` table, and
// change rows are purged once every group has committed past them (as SQL Server's CDC cleanup job
// and Kafka retention would, except that here nothing unread is ever purged).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Feed, FeedRecord, FeedSubscription, PartitionPosition, StreamPartition, SubscribeOptions } from '../feed.ts';
import { CaptureReader, RECORDS_PER_LSN } from '../../sources/embedded/capture-reader.ts';
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
}

export class EmbeddedFeed implements Feed {
  readonly kind = 'embedded' as const;
  readonly #options: EmbeddedFeedOptions;
  readonly #sources = new Map<string, SourceHandle>();
  readonly #subscriptions = new Set<EmbeddedSubscription>();

  constructor(options: EmbeddedFeedOptions) {
    this.#options = options;
    for (const source of options.sources) {
      const db = openSourceDb(options.dataDir, source);
      const reader = new CaptureReader(db, source);
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

  streams(): string[] {
    return [...this.#sources.keys()];
  }

  async subscribe(options: SubscribeOptions): Promise<FeedSubscription> {
    const positions = new Map<string, number>();
    const partitions: StreamPartition[] = [...this.#sources.keys()].map((stream) => ({ stream, partition: 0 }));
    for (const [stream, handle] of this.#sources) {
      const committed = readCommitted(handle.db, options.group, stream);
      const { low, end } = handle.reader.bounds();
      positions.set(stream, committed ?? (options.initial === 'earliest' ? low : end));
    }
    if (options.onAssigned) {
      for (const p of await options.onAssigned(partitions)) {
        if (positions.has(p.stream)) positions.set(p.stream, p.next);
      }
    }
    for (const [stream, next] of positions) {
      const { low } = this.#sources.get(stream)!.reader.bounds();
      // Something below `low` was purged: resuming at `next` would silently skip changes.
      if (next < low && low > RECORDS_PER_LSN) {
        throw new ShoriError('SHORI_FEED_GAP', `changes of ${stream} from position ${next} to ${low - 1} are no longer available (purged); refusing to resume past a gap`, {
          fatal: true,
          context: { stream, group: options.group, next, low },
        });
      }
    }
    const subscription = new EmbeddedSubscription(this, options.group, positions, this.#options.pollIntervalMs);
    this.#subscriptions.add(subscription);
    // Register the group at its start so purging never passes a group that has not committed yet.
    await subscription.commit([...positions].map(([stream, next]) => ({ stream, partition: 0, next })));
    return subscription;
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
    for (const { db } of this.#sources.values()) db.close();
    this.#sources.clear();
  }
}

function readCommitted(db: DatabaseSync, group: string, stream: string): number | undefined {
  const row = db.prepare('SELECT next FROM cdc_offsets WHERE grp = ? AND stream = ?').get(group, stream) as { next: number } | undefined;
  return row === undefined ? undefined : Number(row.next);
}

class EmbeddedSubscription implements FeedSubscription {
  readonly #feed: EmbeddedFeed;
  readonly #group: string;
  readonly #positions: Map<string, number>;
  readonly #pollIntervalMs: number;
  #closed = false;
  #cursor = 0;
  /** What the group has durably committed: lag is measured from here, as Kafka measures it. */
  readonly #committed = new Map<string, number>();

  constructor(feed: EmbeddedFeed, group: string, positions: Map<string, number>, pollIntervalMs: number) {
    this.#feed = feed;
    this.#group = group;
    this.#positions = positions;
    this.#pollIntervalMs = pollIntervalMs;
  }

  async poll(max: number, waitMs: number): Promise<FeedRecord[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.#closed) return [];
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
      saveOffset.run(this.#group, p.stream, p.next, now);
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
