// Offsets the subscription asks the cluster for: where a newly assigned partition starts (the
// group's committed offset, else the `initial` end of the log the subscription was opened with),
// and how far each held partition is behind its log's end.
import { ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';
import { ShoriError } from '../../errors.ts';
import { partitionId, type StreamPartition, type SubscribeOptions } from '../feed.ts';

/** Partition numbers per topic, as the offset calls take them. */
function byTopic(partitions: StreamPartition[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of partitions) (out[p.stream] ??= []).push(p.partition);
  return out;
}

/** The group's committed offsets for `partitions`, or the `initial` end where none is committed. */
export async function startPositions(consumer: Consumer, partitions: StreamPartition[], initial: SubscribeOptions['initial']): Promise<Map<string, bigint>> {
  const asked = byTopic(partitions);
  const committed = await consumer.listCommittedOffsets({ topics: Object.entries(asked).map(([topic, parts]) => ({ topic, partitions: parts })) });
  const out = new Map<string, bigint>();
  const missing: StreamPartition[] = [];
  for (const p of partitions) {
    const offset = committed.get(p.stream)?.[p.partition];
    if (offset !== undefined && offset >= 0n) out.set(partitionId(p), offset);
    else missing.push(p);
  }
  if (missing.length > 0) {
    const topics = byTopic(missing);
    const ends = await consumer.listOffsets({
      topics: Object.keys(topics),
      partitions: topics,
      timestamp: initial === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    });
    for (const p of missing) {
      const offset = ends.get(p.stream)?.[p.partition];
      if (offset === undefined) throw new ShoriError('SHORI_FEED_FAILED', `no ${initial} offset for ${partitionId(p)}`, { canRetry: true });
      out.set(partitionId(p), offset);
    }
  }
  return out;
}

export type PartitionLag = StreamPartition & { next: number; end: number; lag: number };

/** Per held partition: the next position the caller has not seen (`next`), the log's end and the difference. */
export async function lagOf(
  consumer: Consumer,
  group: string,
  held: StreamPartition[],
  deliveredNext: (p: StreamPartition) => number | null,
): Promise<PartitionLag[]> {
  const partitions = byTopic(held);
  let ends: Map<string, bigint[]>;
  try {
    ends = await consumer.listOffsets({ topics: Object.keys(partitions), partitions, timestamp: ListOffsetTimestamps.LATEST });
  } catch (error) {
    throw new ShoriError('SHORI_FEED_FAILED', 'reading partition end offsets failed', { cause: error, canRetry: true, context: { group } });
  }
  const out: PartitionLag[] = [];
  for (const p of held) {
    const next = deliveredNext(p);
    const endOffset = ends.get(p.stream)?.[p.partition];
    if (next === null || endOffset === undefined) continue;
    const end = Number(endOffset);
    out.push({ ...p, next, end, lag: Math.max(0, end - next) });
  }
  return out;
}
