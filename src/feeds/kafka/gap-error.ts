// The fatal error of a fetch that met "offset out of range": the positions the group must read next
// are gone (retention) or were never there (truncation). The subscription refuses to skip them; this
// says exactly where, with the log's bounds, so the operator sees the gap's size.
import { ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';
import { ShoriError } from '../../errors.ts';
import type { FetchResponse } from './fetch-records.ts';

/** "Offset out of range": what we wanted to read is gone (retention) or not there (truncation). */
export async function gapError(
  consumer: Consumer,
  group: string,
  error: Error,
  topicNames: Map<string, string>,
  requested: Map<string, bigint>,
): Promise<ShoriError> {
  const response = (error as Error & { response?: FetchResponse }).response;
  const partitions: Array<Record<string, string | number>> = [];
  for (const topicResponse of response?.responses ?? []) {
    const stream = topicNames.get(topicResponse.topicId) ?? topicResponse.topicId;
    for (const p of topicResponse.partitions) {
      if (p.errorCode !== 1) continue;
      partitions.push({
        stream,
        partition: p.partitionIndex,
        next: String(requested.get(`${stream}:${p.partitionIndex}`) ?? 'unknown'),
        logStartOffset: String(p.logStartOffset),
        highWatermark: String(p.highWatermark),
      });
    }
  }
  // The broker leaves both bounds at -1 on this error: ask for them, so the operator sees the gap's size.
  const ask: Record<string, number[]> = {};
  for (const p of partitions) (ask[String(p.stream)] ??= []).push(Number(p.partition));
  if (partitions.length > 0) {
    try {
      const [starts, ends] = await Promise.all([
        consumer.listOffsets({ topics: Object.keys(ask), partitions: ask, timestamp: ListOffsetTimestamps.EARLIEST }),
        consumer.listOffsets({ topics: Object.keys(ask), partitions: ask, timestamp: ListOffsetTimestamps.LATEST }),
      ]);
      for (const p of partitions) {
        const start = starts.get(String(p.stream))?.[Number(p.partition)];
        const end = ends.get(String(p.stream))?.[Number(p.partition)];
        if (start !== undefined) p.logStartOffset = String(start);
        if (end !== undefined) p.highWatermark = String(end);
      }
    } catch {
      // Keep what the fetch answer said; the error is raised either way.
    }
  }
  const where = partitions.map((p) => `${p.stream}/${p.partition} at ${p.next} (log starts at ${p.logStartOffset}, ends at ${p.highWatermark})`).join(', ');
  return new ShoriError(
    'SHORI_FEED_GAP',
    `Kafka no longer has (or never had) the records group ${group} must read next: ${where || 'offset out of range'}; refusing to skip them`,
    { cause: error, fatal: true, context: { group, partitions } },
  );
}
