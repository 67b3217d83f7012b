// The recovery path of the derived steps: the records one Bronze commit added, read back from the
// files its `add` actions name (dataChange=true; OPTIMIZE's rewrites are skipped) and decoded again.
// This reads the commit, not the Change Data Feed, so it works on any Bronze table. It needs the
// commit file (kept `delta.logRetentionDuration`, 30 days by default) and its data files (kept
// `delta.deletedFileRetentionDuration` after a compaction removed them, 7 days by default): a table
// that lags Bronze by longer than that cannot catch up and says so.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ShoriError } from '../../errors.ts';
import type { AddAction, DeltaTable } from '@shori/delta';
import { decodeMessage } from '../../sources/debezium/decode.ts';
import type { BronzeEntry } from './prepared-batch.ts';
import { withFiles } from './file-subset.ts';

const commitFile = (version: number) => `_delta_log/${String(version).padStart(20, '0')}.json`;

/** The data files a Bronze commit added (empty for commits that add no data). */
export async function addedFiles(bronze: DeltaTable, version: number): Promise<AddAction[]> {
  const bytes = await bronze.storage.get(commitFile(version));
  if (bytes === undefined) {
    throw new ShoriError(
      'SHORI_LAKEHOUSE_FAILED',
      `Bronze version ${version} is no longer in the log (log cleanup): a derived table that has not applied it cannot catch up; rebuild it`,
      { context: { version, location: bronze.location }, fatal: true },
    );
  }
  const adds: AddAction[] = [];
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
    if (!line.startsWith('{"add"')) continue;
    const add = (JSON.parse(line) as { add: AddAction }).add;
    if (add.dataChange) adds.push(add);
  }
  return adds;
}

/** The records Bronze version `version` added, in (topic, partition, offset) order, decoded. */
export async function readBronzeVersion(conn: DuckDBConnection, bronze: DeltaTable, version: number): Promise<BronzeEntry[]> {
  const files = await addedFiles(bronze, version);
  if (files.length === 0) return [];
  const scan = await bronze.scan(withFiles(bronze.snapshot, files));
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (
      await conn.runAndReadAll(`SELECT topic, "partition", "offset", key, payload FROM ${scan} AS t ORDER BY topic, "partition", "offset"`)
    ).getRowObjectsJson();
  } catch (cause) {
    throw new ShoriError('SHORI_LAKEHOUSE_FAILED', `reading Bronze version ${version} back failed (its files may have been vacuumed)`, {
      cause,
      context: { version, location: bronze.location },
    });
  }
  return rows.map(bronzeEntryOf);
}

/** A Bronze row (topic, partition, offset, key, payload) as the record it was, decoded again. */
export function bronzeEntryOf(r: Record<string, unknown>): BronzeEntry {
  const key = r.key === null ? null : Buffer.from(String(r.key), 'utf8');
  const value = r.payload === null ? null : Buffer.from(String(r.payload), 'utf8');
  const entry = { stream: String(r.topic), partition: Number(r.partition), position: Number(r.offset), key, value };
  return { ...entry, decoded: decodeMessage(key, value, { topic: entry.stream, partition: entry.partition, offset: entry.position }) };
}
