// The change feed seam: the embedded capture implements it now, Kafka implements it for scale-out.
// Everything downstream (UI tap, lakehouse worker) sees only this interface, so swapping the
// transport changes nothing in the pipeline.

/** One record, as Kafka would deliver it: raw bytes, decoded later by the Debezium decoder. */
export interface FeedRecord {
  /** Topic, e.g. `shorisql_1.TicketsDb.dbo.Tickets`. */
  stream: string;
  partition: number;
  /** Offset within (stream, partition); strictly increasing. */
  position: number;
  key: Buffer | null;
  /** null = tombstone. */
  value: Buffer | null;
  /** Append time at the feed (ms since epoch). */
  timestamp: number;
}

export interface StreamPartition {
  stream: string;
  partition: number;
}

/** `next` is the next position to read, Kafka's convention: last processed offset + 1. */
export interface PartitionPosition extends StreamPartition {
  next: number;
}

export interface SubscribeOptions {
  /** Consumer group id: independent subscribers keep independent committed positions. */
  group: string;
  /** Where a partition with no committed position starts. */
  initial: 'earliest' | 'latest';
  /**
   * Called when partitions are assigned, before the first poll of them. Returning a position for a
   * partition makes the subscription start there instead of at the group's committed position
   * (the lakehouse worker returns the positions its Delta `txn` actions record when they are ahead).
   */
  onAssigned?: (partitions: StreamPartition[]) => Promise<PartitionPosition[]>;
  /** Told when partitions are taken away (rebalance); the subscriber drops state for them. */
  onRevoked?: (partitions: StreamPartition[]) => Promise<void>;
}

export interface FeedSubscription {
  /** Resolves with up to `max` records as soon as any are available, or [] after `waitMs`. */
  poll(max: number, waitMs: number): Promise<FeedRecord[]>;
  /** Durably records the group's positions. Only after the caller has durably processed them. */
  commit(positions: PartitionPosition[]): Promise<void>;
  /** Partitions currently held by this subscriber. */
  assignments(): StreamPartition[];
  /** Per-partition lag: end of log minus the group's committed position (as Kafka measures it). */
  lag(): Promise<Array<StreamPartition & { next: number; end: number; lag: number }>>;
  close(): Promise<void>;
}

export interface Feed {
  readonly kind: 'embedded' | 'kafka';
  subscribe(options: SubscribeOptions): Promise<FeedSubscription>;
  close(): Promise<void>;
}

export function partitionId(p: StreamPartition): string {
  return `${p.stream}/${p.partition}`;
}
