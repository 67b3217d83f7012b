// The quarantine step: appends a prepared batch's rejects to `silver/_rejected`, recording the Bronze
// version in the same commit (applied-version.ts), so each reject lands once whatever the crash.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaTable } from '@shori/delta';
import { appliedTxn } from './applied-version.ts';
import type { PreparedBatch } from './prepared-batch.ts';
import { stageRows } from './staging.ts';

const COLUMNS = [
  { name: 'topic', type: 'VARCHAR' },
  { name: 'partition', type: 'INTEGER' },
  { name: 'offset', type: 'BIGINT' },
  { name: 'bronze_version', type: 'BIGINT' },
  { name: 'table', type: 'VARCHAR' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'key', type: 'VARCHAR' },
  { name: 'payload', type: 'VARCHAR' },
  { name: 'rejected_at', type: 'VARCHAR' },
] as const;

export interface StepResult {
  version: number;
  rows: number;
}

export async function applyRejected(conn: DuckDBConnection, table: DeltaTable, batch: PreparedBatch, now: string): Promise<StepResult> {
  const rows = batch.rejects.map((r) => [r.topic, r.partition, r.offset, batch.bronzeVersion, r.table, r.reason, r.key, r.payload, now]);
  await stageRows(conn, 'stage_rejected', [...COLUMNS], rows);
  const result = await table.append(conn, 'SELECT * FROM stage_rejected', { txns: appliedTxn(batch.bronzeVersion), operation: 'WRITE' });
  return { version: result.version, rows: rows.length };
}
