// Turns one Kafka Fetch response into FeedRecords. Wire facts relied on (Kafka record batch v2):
// a batch carries `firstOffset` + per-record `offsetDelta` and `firstTimestamp` + `timestampDelta`;
// control batches (transaction markers, attribute bit 5) hold no data but occupy offsets, so the
// next position still moves past them; a broker may return records below the requested offset
// (whole batches are sent), which are dropped; a null value is a tombstone.
import { IS_CONTROL, type Consumer } from '@platformatic/kafka';
import { partitionId, type FeedRecord, type StreamPartition } from '../feed.ts';

// The package's index does not re-export the Fetch API types; these are the same types, as seen
// through the Consumer's public fetch().
export type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
export type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

export interface FetchedPartition {
  stream: string;
  partition: number;
  records: FeedRecord[];
  /** The next offset to fetch after this response (unchanged if nothing came back). */
  next: bigint;
}

/**
 * @param topicNames topic id → topic name, from the metadata the request was built with.
 * @param requested `${topic}:${partition}` → offset that was asked for. Partitions not asked for
 *   (an incremental fetch session can echo them) are ignored.
 */
export function recordsFromFetch(response: FetchResponse, topicNames: Map<string, string>, requested: Map<string, bigint>): FetchedPartition[] {
  const out: FetchedPartition[] = [];
  for (const topicResponse of response.responses) {
    const stream = topicNames.get(topicResponse.topicId) ?? topicResponse.topicId;
    for (const partitionResponse of topicResponse.partitions) {
      const from = requested.get(`${stream}:${partitionResponse.partitionIndex}`);
      if (from === undefined) continue;
      const fetched: FetchedPartition = { stream, partition: partitionResponse.partitionIndex, records: [], next: from };
      for (const batch of partitionResponse.records ?? []) {
        const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
        if (last + 1n > fetched.next) fetched.next = last + 1n;
        if ((batch.attributes & IS_CONTROL) !== 0) continue;
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < from) continue;
          fetched.records.push({
            stream,
            partition: fetched.partition,
            position: Number(offset),
            key: record.key ?? null,
            value: record.value ?? null,
            timestamp: Number(batch.firstTimestamp + record.timestampDelta),
          });
        }
      }
      out.push(fetched);
    }
  }
  return out;
}

export type ClusterMetadata = Awaited<ReturnType<Consumer['metadata']>>;

export interface FetchRequests {
  /** Per broker, per topic id: the partitions to fetch from that broker (a topic named once per request). */
  byNode: Map<number, Map<string, FetchRequestTopic>>;
  /** Topic id → topic name. */
  topicNames: Map<string, string>;
  /** `${topic}:${partition}` → the offset asked for. */
  requested: Map<string, bigint>;
}

/**
 * The Fetch requests for `assigned` partitions at their `positions` (by partitionId), to each
 * partition's leader; `maxBytes` is shared out over the partitions (at least 1 MiB each).
 */
export function fetchRequests(metadata: ClusterMetadata, assigned: StreamPartition[], positions: Map<string, bigint>, maxBytes: number): FetchRequests {
  const out: FetchRequests = { byNode: new Map(), topicNames: new Map(), requested: new Map() };
  const partitionMaxBytes = Math.max(1024 * 1024, Math.floor(maxBytes / Math.max(1, assigned.length)));
  for (const p of assigned) {
    const topic = metadata.topics.get(p.stream);
    const fetchOffset = positions.get(partitionId(p));
    if (!topic || fetchOffset === undefined) continue;
    out.topicNames.set(topic.id, p.stream);
    out.requested.set(`${p.stream}:${p.partition}`, fetchOffset);
    const node = topic.partitions[p.partition].leader;
    const topics = out.byNode.get(node) ?? new Map<string, FetchRequestTopic>();
    out.byNode.set(node, topics);
    const entry = topics.get(topic.id) ?? { topicId: topic.id, partitions: [] };
    topics.set(topic.id, entry);
    entry.partitions.push({ partition: p.partition, fetchOffset, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
  }
  return out;
}
