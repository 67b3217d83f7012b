// Chooses the feed from configuration: KAFKA_BOOTSTRAP_SERVERS set → Kafka; otherwise the embedded
// sources. Nothing else in the pipeline changes.
import type { Config } from '../config/index.ts';
import type { Feed } from './feed.ts';
import { EmbeddedFeed } from './embedded/embedded-feed.ts';

export async function createFeed(config: Config): Promise<Feed> {
  if (config.KAFKA_BOOTSTRAP_SERVERS.length > 0) {
    // Loaded only when used, so the embedded default never touches the Kafka client.
    const { KafkaFeed } = await import('./kafka/kafka-feed.ts');
    return new KafkaFeed({
      bootstrapServers: config.KAFKA_BOOTSTRAP_SERVERS,
      topics: new RegExp(config.KAFKA_TOPIC_PATTERN, 'i'),
      clientId: config.KAFKA_CLIENT_ID,
      unassignedRestartSec: config.KAFKA_UNASSIGNED_RESTART_SEC,
      restartBackoffSec: config.KAFKA_CONSUMER_RESTART_BACKOFF_SEC,
    });
  }
  return new EmbeddedFeed({ dataDir: config.DATA_DIR, sources: config.EMBEDDED_SOURCES, pollIntervalMs: config.EMBEDDED_CAPTURE_POLL_MS });
}
