// Bronze is the log. A batch of feed records is appended as received (decoded or not: bad input is
// kept with its error, never lost), with one `txn` per (stream, partition) whose version is the
// highest position the table holds: max(held, the batch's highest), never lowered. A record at or
// below the held position is already in Bronze (a partition is read in order, from the position
// after the held one), so it is skipped: Bronze holds each feed record once by (topic, partition,
// offset). Events Debezium re-publishes after a Connect crash are new feed records (new offsets) and
// are kept: the derived steps recognise them by their source position.
//
// Two writers of one partition (a rebalance racing a batch in flight) write the same txn appId, so
// the loser's commit fails with a ConcurrentTransaction conflict and its retry re-reads the held
// positions: nothing is appended twice.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FeedRecord, PartitionPosition, StreamPartition } from '../../feeds/feed.ts';
import type { DecodeResult } from '../../sources/debezium/types.ts';
import type { DeltaTable, TxnVersion } from '@shori/delta';
import { stageRows, type StageValue } from './staging.ts';

export const bronzeTxnAppId = (p: StreamPartition) => `shori:${p.stream}:${p.partition}`;

export const BRONZE_STAGE_COLUMNS = [
  { name: 'topic', type: 'VARCHAR' },
  { name: 'partition', type: 'INTEGER' },
  { name: 'offset', type: 'BIGINT' },
  { name: 'key', type: 'UTF8' },
  { name: 'op', type: 'VARCHAR' },
  { name: 'source_name', type: 'VARCHAR' },
  { name: 'source_db', type: 'VARCHAR' },
  { name: 'source_table', type: 'VARCHAR' },
  { name: 'source_ts', type: 'VARCHAR' },
  { name: 'seq', type: 'VARCHAR' },
  { name: 'ingest_ts', type: 'VARCHAR' },
  { name: 'payload', type: 'UTF8' },
  { name: 'decode_error', type: 'VARCHAR' },
] as const;

export function bronzeRow(record: FeedRecord, decoded: DecodeResult, ingestTs: string): StageValue[] {
  // Key and payload: the bytes as received, staged as UTF-8 without a JS string in between (staging.ts).
  const base = [record.stream, record.partition, record.position, record.key];
  const payload = record.value;
  if (!decoded.ok) return [...base, null, null, null, null, null, null, ingestTs, payload, decoded.error.message];
  const v = decoded.value;
  if (v.kind === 'change') {
    return [...base, v.op, v.source.name, v.source.db, v.source.table, new Date(v.source.tsMs).toISOString(), v.seq, ingestTs, payload, null];
  }
  const op = v.kind === 'tombstone' ? null : v.kind;
  return [...base, op, null, null, null, null, null, ingestTs, payload, null];
}

export interface BronzeAppend {
  /** Bronze's version after the step (the new commit, or the current one when nothing was new). */
  version: number;
  /** Whether this call committed `version` (false: every record was already held). */
  committed: boolean;
  /** Indexes (into the batch) of the records appended by this commit. */
  appended: number[];
  /** Per (stream, partition) the position after the batch's last record: what the feed may commit. */
  positions: PartitionPosition[];
}

/** The highest position per (stream, partition) of a batch. */
function batchHighest(records: FeedRecord[]): Map<string, PartitionPosition> {
  const last = new Map<string, PartitionPosition>();
  for (const r of records) {
    const key = `${r.stream}/${r.partition}`;
    const seen = last.get(key);
    if (!seen || r.position + 1 > seen.next) last.set(key, { stream: r.stream, partition: r.partition, next: r.position + 1 });
  }
  return last;
}

export async function appendToBronze(
  conn: DuckDBConnection,
  bronze: DeltaTable,
  records: FeedRecord[],
  decoded: DecodeResult[],
  ingestTs: string,
): Promise<BronzeAppend> {
  await bronze.refresh();
  const highest = [...batchHighest(records).values()];
  const held = (p: StreamPartition) => bronze.snapshot.txnVersion(bronzeTxnAppId(p)) ?? -1;
  const appended: number[] = [];
  records.forEach((r, i) => {
    if (r.position > held(r)) appended.push(i);
  });
  if (appended.length === 0) return { version: bronze.snapshot.version, committed: false, appended, positions: highest };
  const txns: TxnVersion[] = highest.map((p) => ({ appId: bronzeTxnAppId(p), version: Math.max(held(p), p.next - 1) }));
  await stageRows(
    conn,
    'stage_bronze',
    [...BRONZE_STAGE_COLUMNS],
    appended.map((i) => bronzeRow(records[i], decoded[i], ingestTs)),
  );
  const result = await bronze.append(conn, 'SELECT * FROM stage_bronze', { txns, operation: 'WRITE' });
  return { version: result.version, committed: true, appended, positions: highest };
}

/** Where each partition resumes: after the highest position Bronze holds (none: the feed decides). */
export async function bronzeResumePositions(bronze: DeltaTable, partitions: StreamPartition[]): Promise<PartitionPosition[]> {
  await bronze.refresh();
  const out: PartitionPosition[] = [];
  for (const p of partitions) {
    const held = bronze.snapshot.txnVersion(bronzeTxnAppId(p));
    if (held !== undefined) out.push({ ...p, next: held + 1 });
  }
  return out;
}
