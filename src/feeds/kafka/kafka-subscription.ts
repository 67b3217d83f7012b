// One consumer-group member on Kafka, behind the FeedSubscription seam. @platformatic/kafka's Consumer
// does the group protocol (join, sync, heartbeats, rejoin on rebalance) and the Fetch/ListOffsets/
// OffsetFetch/OffsetCommit calls; this class owns the positions. It fetches itself rather than through
// the library's MessagesStream because the feed contract needs what a push stream cannot give:
// - positions are ours: `onAssigned` may move them before the first fetch of a partition (a seek);
// - commits are manual only and say exactly which `next` offsets are durable;
// - an out-of-range position is never reset to earliest/latest: it is a gap, and a fatal error;
// - a member that holds no partition for `unassignedRestartSec`, or whose fetches keep failing, is
//   replaced by a fresh consumer after `restartBackoffSec`.
// Calls to poll() are expected one at a time (the pipeline's loop); commit() and lag() may interleave. poll()
// starts the next fetch as it hands records out (a read-ahead), so the broker works while the caller does.
import { Consumer, findErrorBy, type GroupAssignment } from '@platformatic/kafka';
import { ShoriError } from '../../errors.ts';
import { partitionId, type FeedRecord, type FeedSubscription, type PartitionPosition, type StreamPartition, type SubscribeOptions } from '../feed.ts';
import { fetchRequests, recordsFromFetch, type FetchResponse } from './fetch-records.ts';
import { sameTopics } from './topic-selector.ts';
import { asError, closeConsumer, settledWithin, sleep } from './consumer-helpers.ts';
import { gapError } from './gap-error.ts';
import { lagOf, startPositions, type PartitionLag } from './offsets.ts';

export interface KafkaSubscriptionSettings {
  bootstrapServers: string[];
  clientId: string;
  unassignedRestartSec: number;
  restartBackoffSec: number;
  /** How often the topic selection is re-resolved (new Debezium topics appear at run time). */
  topicRefreshSec: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** Upper bound of one fetch response, all partitions together. */
  maxBytes: number;
  /** Resolves the topics to subscribe to now. */
  resolveTopics: () => Promise<string[]>;
  /** Told once when the subscription closes. */
  onClose?: () => void;
}

/** How long a read-ahead fetch lets the broker wait for data (at the end of the log). */
const READ_AHEAD_WAIT_MS = 200;

export class KafkaSubscription implements FeedSubscription {
  readonly #settings: KafkaSubscriptionSettings;
  readonly #options: SubscribeOptions;
  #consumer: Consumer | null = null;
  #topics: string[] = [];
  readonly #assigned = new Map<string, StreamPartition>();
  /** Next offset to fetch per assigned partition. */
  readonly #positions = new Map<string, bigint>();
  /** Fetched but not yet handed out by poll(). */
  #buffer: FeedRecord[] = [];
  /** The read-ahead fetch in flight (started when poll() hands records out), or null. */
  #readingAhead: Promise<void> | null = null;
  #assignmentChain: Promise<void> = Promise.resolve();
  #lastGeneration = -1;
  #unassignedSince = Date.now();
  #topicsResolvedAt = 0;
  /** When no consumer is running: the earliest time to start the next one. */
  #restartAt = 0;
  #fatal: ShoriError | null = null;
  #closed = false;
  /** The last error that caused a restart (for health reporting); null once a member is running again. */
  lastError: Error | null = null;
  /** How many times a consumer was replaced (errors, idle, topic changes). */
  restarts = 0;
  /** How many read-ahead fetches brought records (see #takeAndReadAhead). */
  readAheads = 0;

  constructor(settings: KafkaSubscriptionSettings, options: SubscribeOptions) {
    this.#settings = settings;
    this.#options = options;
  }

  /** First start: errors propagate, so a wrong address fails loudly instead of retrying forever. */
  async open(): Promise<void> {
    await this.#start();
  }

  assignments(): StreamPartition[] {
    return [...this.#assigned.values()].map((p) => ({ ...p }));
  }

  async poll(max: number, waitMs: number): Promise<FeedRecord[]> {
    this.#assertUsable();
    await this.#assignmentChain;
    this.#assertUsable();
    if (this.#buffer.length === 0 && this.#readingAhead !== null) {
      // The read-ahead is on its way: wait for it, but not past the caller's deadline.
      const arrived = await settledWithin(this.#readingAhead, waitMs);
      this.#assertUsable();
      if (!arrived) return [];
    }
    if (this.#buffer.length > 0) return this.#takeAndReadAhead(max);

    const deadline = Date.now() + waitMs;
    await this.#maintain();
    while (this.#consumer === null || this.#assigned.size === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await sleep(Math.min(left, 100));
      this.#assertUsable();
      await this.#assignmentChain;
      await this.#maintain();
    }
    await this.#fetch(this.#consumer, Math.max(0, deadline - Date.now()));
    return this.#takeAndReadAhead(max);
  }

  async commit(positions: PartitionPosition[]): Promise<void> {
    this.#assertUsable();
    const consumer = this.#consumer;
    // Only partitions this member holds: after a revocation the new owner's progress must not be
    // overwritten (the caller was told through onRevoked).
    const offsets = positions
      .filter((p) => this.#assigned.has(partitionId(p)))
      .map((p) => ({ topic: p.stream, partition: p.partition, offset: BigInt(p.next), leaderEpoch: -1 }));
    if (offsets.length === 0) return;
    if (consumer === null) {
      throw new ShoriError('SHORI_FEED_FAILED', 'cannot commit: the Kafka consumer is restarting', { canRetry: true, context: { group: this.#options.group } });
    }
    try {
      await consumer.commit({ offsets });
    } catch (error) {
      throw new ShoriError('SHORI_FEED_FAILED', `committing offsets of group ${this.#options.group} failed`, {
        cause: error,
        canRetry: true,
        context: { group: this.#options.group, positions },
      });
    }
  }

  async lag(): Promise<PartitionLag[]> {
    this.#assertUsable();
    const consumer = this.#consumer;
    const held = this.assignments();
    if (consumer === null || held.length === 0) return [];
    return lagOf(consumer, this.#options.group, held, (p) => this.#deliveredNext(p));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#settings.onClose?.();
    await this.#assignmentChain.catch(() => undefined);
    const consumer = this.#consumer;
    this.#consumer = null;
    this.#clearAssignment();
    if (consumer) await closeConsumer(consumer);
  }

  // ---------------------------------------------------------------- lifecycle

  #assertUsable(): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new ShoriError('SHORI_FEED_FAILED', 'the Kafka subscription is closed', { context: { group: this.#options.group } });
  }

  async #start(): Promise<void> {
    const topics = await this.#settings.resolveTopics();
    this.#topics = topics;
    this.#topicsResolvedAt = Date.now();
    this.#unassignedSince = Date.now();
    this.#lastGeneration = -1;
    // Nothing to subscribe to yet: stay without a consumer; the topic refresh starts one later.
    if (topics.length === 0) return;
    const consumer = new Consumer({
      clientId: this.#settings.clientId,
      groupId: this.#options.group,
      bootstrapBrokers: this.#settings.bootstrapServers,
      autocommit: false,
      sessionTimeout: this.#settings.sessionTimeoutMs,
      heartbeatInterval: this.#settings.heartbeatIntervalMs,
      rebalanceTimeout: this.#settings.rebalanceTimeoutMs,
      maxBytes: this.#settings.maxBytes,
    });
    consumer.on('consumer:group:join', (payload) => {
      if (consumer !== this.#consumer) return;
      const generation = payload.generationId ?? -1;
      const assignments = payload.assignments ?? [];
      this.#assignmentChain = this.#assignmentChain
        .then(() => this.#applyAssignment(consumer, generation, assignments))
        .catch((error: unknown) => this.#onConsumerError(consumer, error));
    });
    // A failed rejoin is reported as an 'error' event; unhandled it would crash the process.
    consumer.on('error', (error: Error) => {
      this.#assignmentChain = this.#assignmentChain.then(() => this.#onConsumerError(consumer, error));
    });
    consumer.topics.trackAll(...topics);
    this.#consumer = consumer;
    try {
      await consumer.joinGroup({});
      await this.#assignmentChain;
    } catch (error) {
      this.#consumer = null;
      await closeConsumer(consumer);
      throw new ShoriError('SHORI_FEED_FAILED', `joining consumer group ${this.#options.group} failed`, {
        cause: error,
        canRetry: true,
        context: { group: this.#options.group, topics, bootstrapServers: this.#settings.bootstrapServers },
      });
    }
    this.lastError = null;
  }

  /** Restarts, topic re-resolution and the idle check; called from poll(). */
  async #maintain(): Promise<void> {
    const now = Date.now();
    if (this.#consumer === null) {
      if (now < this.#restartAt) return;
      try {
        await this.#start();
      } catch (error) {
        if (this.#fatal) throw this.#fatal;
        this.lastError = error instanceof Error ? error : new Error(String(error));
        this.#restartAt = Date.now() + this.#settings.restartBackoffSec * 1000;
      }
      return;
    }
    if (now - this.#topicsResolvedAt >= this.#settings.topicRefreshSec * 1000) {
      this.#topicsResolvedAt = now;
      try {
        const topics = await this.#settings.resolveTopics();
        if (!sameTopics(topics, this.#topics)) {
          await this.#restart(null);
          return;
        }
      } catch (error) {
        this.lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (this.#assigned.size === 0 && now - this.#unassignedSince >= this.#settings.unassignedRestartSec * 1000) {
      await this.#restart(null);
    }
  }

  /** Replaces the consumer: revoke everything, leave the group, start again after the backoff (none if `error` is null). */
  async #restart(error: Error | null): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = null;
    this.restarts++;
    if (error) this.lastError = error;
    const revoked = this.assignments();
    this.#clearAssignment();
    if (revoked.length > 0 && this.#options.onRevoked) await this.#options.onRevoked(revoked);
    if (consumer) await closeConsumer(consumer);
    this.#restartAt = Date.now() + (error ? this.#settings.restartBackoffSec * 1000 : 0);
  }

  async #onConsumerError(consumer: Consumer, error: unknown): Promise<void> {
    if (consumer !== this.#consumer || this.#closed) return;
    if (error instanceof ShoriError && error.fatal) {
      this.#fatal = error;
      return;
    }
    try {
      await this.#restart(asError(error));
    } catch (revokeError) {
      // onRevoked itself failed: the caller's state is unknown, so stop rather than guess.
      this.#fatal = new ShoriError('SHORI_FEED_FAILED', 'the subscriber failed while partitions were being revoked', {
        cause: revokeError,
        fatal: true,
        context: { group: this.#options.group },
      });
    }
  }

  #clearAssignment(): void {
    this.#assigned.clear();
    this.#positions.clear();
    this.#buffer = [];
    this.#unassignedSince = Date.now();
  }

  // ---------------------------------------------------------------- assignment

  /**
   * A (re)join completed. Partitions kept across consecutive generations keep their in-memory
   * positions; partitions lost are revoked; partitions gained start at the group's committed offset
   * (or `initial`), then `onAssigned` may move them. After a generation gap (this member was dropped
   * from the group meanwhile) nothing is trusted: everything is revoked and assigned afresh.
   */
  async #applyAssignment(consumer: Consumer, generation: number, assignments: GroupAssignment[]): Promise<void> {
    if (consumer !== this.#consumer || this.#closed) return;
    const continuous = this.#lastGeneration >= 0 && generation === this.#lastGeneration + 1;
    this.#lastGeneration = generation;
    const next = new Map<string, StreamPartition>();
    for (const a of assignments) for (const partition of a.partitions) next.set(partitionId({ stream: a.topic, partition }), { stream: a.topic, partition });

    const revoked = [...this.#assigned.entries()].filter(([key]) => !continuous || !next.has(key));
    for (const [key] of revoked) {
      this.#assigned.delete(key);
      this.#positions.delete(key);
    }
    if (revoked.length > 0) {
      const gone = new Set(revoked.map(([key]) => key));
      this.#buffer = this.#buffer.filter((r) => !gone.has(partitionId(r)));
      if (this.#options.onRevoked) await this.#options.onRevoked(revoked.map(([, p]) => p));
    }

    const added = [...next.entries()].filter(([key]) => !this.#assigned.has(key)).map(([, p]) => p);
    if (added.length > 0) {
      const positions = await startPositions(consumer, added, this.#options.initial);
      if (this.#options.onAssigned) {
        for (const p of await this.#options.onAssigned(added.map((a) => ({ ...a })))) {
          const key = partitionId(p);
          if (positions.has(key)) positions.set(key, BigInt(p.next));
        }
      }
      if (consumer !== this.#consumer) return;
      for (const p of added) {
        const key = partitionId(p);
        this.#assigned.set(key, p);
        this.#positions.set(key, positions.get(key)!);
      }
    }
    if (this.#assigned.size === 0) this.#unassignedSince = Date.now();
  }

  // ---------------------------------------------------------------- fetching

  /**
   * Hands records out and, when records came, starts fetching the next ones at once: the broker's
   * answer travels (and is parsed as it arrives) while the caller writes what it got, instead of
   * after. At most one read-ahead is in flight, and none while maxBytes are already buffered. Its
   * answer is applied like any fetch's: dropped when positions moved meanwhile (a seek, a
   * rebalance, a restart), so it never hands out a record twice or out of order.
   */
  #takeAndReadAhead(max: number): FeedRecord[] {
    const out = this.#take(max);
    if (out.length > 0) this.#readAhead();
    return out;
  }

  #readAhead(): void {
    const consumer = this.#consumer;
    if (this.#readingAhead !== null || consumer === null || this.#closed || this.#fatal || this.#assigned.size === 0) return;
    let buffered = 0;
    for (const r of this.#buffer) buffered += (r.value?.length ?? 0) + (r.key?.length ?? 0);
    if (buffered >= this.#settings.maxBytes) return;
    const before = this.#buffer.length;
    const fetching: Promise<void> = this.#fetch(consumer, READ_AHEAD_WAIT_MS)
      .then(() => {
        if (this.#buffer.length > before) this.readAheads++;
      })
      .catch((error: unknown) => {
        // A gap is kept in #fatal by #fetch (poll throws it); anything else restarted the consumer.
        if (!this.#fatal) this.lastError = asError(error);
      })
      .finally(() => {
        if (this.#readingAhead === fetching) this.#readingAhead = null;
      });
    this.#readingAhead = fetching;
  }

  #take(max: number): FeedRecord[] {
    const out = this.#buffer.slice(0, Math.max(0, max));
    this.#buffer = this.#buffer.slice(out.length);
    return out;
  }

  /** The next position the caller has not seen yet: the first buffered record, else the fetch position. */
  #deliveredNext(p: StreamPartition): number | null {
    const buffered = this.#buffer.find((r) => r.stream === p.stream && r.partition === p.partition);
    if (buffered) return buffered.position;
    const position = this.#positions.get(partitionId(p));
    return position === undefined ? null : Number(position);
  }

  async #fetch(consumer: Consumer, waitMs: number): Promise<void> {
    let metadata;
    try {
      metadata = await consumer.metadata({ topics: this.#topics });
    } catch (error) {
      if (consumer === this.#consumer) await this.#restart(asError(error));
      return;
    }
    if (consumer !== this.#consumer) return;
    const { byNode, topicNames, requested } = fetchRequests(metadata, [...this.#assigned.values()], this.#positions, this.#settings.maxBytes);
    const responses = await Promise.all(
      [...byNode].map(([node, topics]) =>
        consumer.fetch({ node, topics: [...topics.values()], maxWaitTime: waitMs, minBytes: 1, maxBytes: this.#settings.maxBytes }).then(
          (response) => ({ response, error: null }),
          (error: unknown) => ({ response: null, error: asError(error) }),
        ),
      ),
    );
    // An assignment change or a restart during the fetch: positions moved, the answer is stale.
    if (consumer !== this.#consumer) return;
    for (const { error } of responses) {
      if (error === null) continue;
      if (findErrorBy(error, 'apiId', 'OFFSET_OUT_OF_RANGE')) {
        this.#fatal = await gapError(consumer, this.#options.group, error, topicNames, requested);
        throw this.#fatal;
      }
    }
    const failed = responses.find((r) => r.error !== null);
    for (const { response } of responses) {
      if (response === null) continue;
      for (const fetched of recordsFromFetch(response as FetchResponse, topicNames, requested)) {
        const key = partitionId(fetched);
        // Moved by a (re)assignment while the fetch was in flight: drop, it will be fetched again.
        if (this.#positions.get(key) !== requested.get(`${fetched.stream}:${fetched.partition}`)) continue;
        this.#positions.set(key, fetched.next);
        this.#buffer.push(...fetched.records);
      }
    }
    if (failed?.error) await this.#restart(failed.error);
  }
}
