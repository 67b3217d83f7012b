// The Kafka transport of the change feed: Debezium topics on Kafka or Redpanda, read through consumer
// groups (one group per independent subscriber: the lakehouse worker, the UI tap). Each subscribe()
// is one group member; see kafka-subscription.ts for positions, commits, rebalances and restarts.
import { Admin } from '@platformatic/kafka';
import { ShoriError } from '../../errors.ts';
import type { Feed, FeedSubscription, SubscribeOptions } from '../feed.ts';
import { KafkaSubscription } from './kafka-subscription.ts';
import { selectTopics, type TopicSelector } from './topic-selector.ts';

export interface KafkaFeedOptions {
  bootstrapServers: string[];
  /** Topic names, or a pattern matched against every topic (re-checked every `topicRefreshSec`). */
  topics: TopicSelector;
  clientId: string;
  /** A member holding no partition this long is replaced by a fresh consumer. Default 60. */
  unassignedRestartSec?: number;
  /** Wait before starting a new consumer after an error. Default 5. */
  restartBackoffSec?: number;
  /** How often the topic selection is re-resolved. Default 30. */
  topicRefreshSec?: number;
  /** Group session timeout (a dead member's partitions move after this). Default 30 000. */
  sessionTimeoutMs?: number;
  /** Default 3 000: how quickly a member notices a rebalance. */
  heartbeatIntervalMs?: number;
  /** Default 60 000. */
  rebalanceTimeoutMs?: number;
  /** Upper bound of one fetch. Default 32 MiB. */
  maxBytes?: number;
}

export class KafkaFeed implements Feed {
  readonly kind = 'kafka' as const;
  readonly #options: KafkaFeedOptions;
  readonly #subscriptions = new Set<KafkaSubscription>();
  #admin: Admin | null = null;
  #closed = false;

  constructor(options: KafkaFeedOptions) {
    if (options.bootstrapServers.length === 0) throw new ShoriError('SHORI_CONFIG_INVALID', 'the Kafka feed needs at least one bootstrap server');
    this.#options = options;
  }

  /** The topics the selection names right now (existing ones only). */
  async topics(): Promise<string[]> {
    this.#admin ??= new Admin({ clientId: `${this.#options.clientId}-admin`, bootstrapBrokers: this.#options.bootstrapServers });
    try {
      return selectTopics(await this.#admin.listTopics(), this.#options.topics);
    } catch (error) {
      throw new ShoriError('SHORI_FEED_FAILED', `listing topics on ${this.#options.bootstrapServers.join(',')} failed`, { cause: error, canRetry: true });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<FeedSubscription> {
    if (this.#closed) throw new ShoriError('SHORI_FEED_FAILED', 'the Kafka feed is closed');
    const o = this.#options;
    const subscription = new KafkaSubscription(
      {
        bootstrapServers: o.bootstrapServers,
        clientId: o.clientId,
        unassignedRestartSec: o.unassignedRestartSec ?? 60,
        restartBackoffSec: o.restartBackoffSec ?? 5,
        topicRefreshSec: o.topicRefreshSec ?? 30,
        sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? 3_000,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 60_000,
        maxBytes: o.maxBytes ?? 32 * 1024 * 1024,
        resolveTopics: () => this.topics(),
        onClose: () => this.#subscriptions.delete(subscription),
      },
      options,
    );
    await subscription.open();
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    this.#subscriptions.clear();
    await this.#admin?.close();
    this.#admin = null;
  }
}
