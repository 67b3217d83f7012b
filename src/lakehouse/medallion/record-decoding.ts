// Decoding of feed records, once per record: a record decoded ahead of its batch (the lakehouse
// worker decodes the next batch's records while the derived tables of the current one catch up, so
// the main thread works while DuckDB does) keeps its result here until Bronze takes it. Decoding is
// a pure function of the record's bytes and coordinates, so an early result is the result.
import type { FeedRecord } from '../../feeds/feed.ts';
import { decodeMessage } from '../../sources/debezium/decode.ts';
import type { DecodeResult } from '../../sources/debezium/types.ts';

const decodedAhead = new WeakMap<FeedRecord, DecodeResult>();

function decode(r: FeedRecord): DecodeResult {
  return decodeMessage(r.key, r.value, { topic: r.stream, partition: r.partition, offset: r.position });
}

/** The record's decoding (taken from an earlier decodeAhead when there was one). */
export function decodeRecord(r: FeedRecord): DecodeResult {
  const early = decodedAhead.get(r);
  if (early === undefined) return decode(r);
  decodedAhead.delete(r);
  return early;
}

/** Decodes records now, for a later decodeRecord (the results go when the records do). */
export function decodeAhead(records: readonly FeedRecord[]): void {
  for (const r of records) if (!decodedAhead.has(r)) decodedAhead.set(r, decode(r));
}
