// The quarantine step: appends a prepared batch's rejects to `silver/_rejected`, recording the Bronze
// version in the same commit (applied-version.ts), so each reject lands once whatever the crash.
// Rejects of a catch-up from Bronze (backfill-step.ts: events of versions the quarantine applied
// before their table was a Silver table) carry no version of their own: they are appended unless
// `_rejected` holds the event for that table already, so a catch-up run again adds none twice.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ShoriError } from '../../errors.ts';
import { quoteLiteral, type DeltaTable } from '@shori/delta';
import { appliedTxn } from './applied-version.ts';
import type { PreparedBatch, RejectRow } from './prepared-batch.ts';
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

/** What happens to an event that cannot be applied (LAKEHOUSE_ON_BAD_RECORD). */
export type OnBadRecord = 'quarantine' | 'fail';

/** The quarantine table and what to do with a new reject. */
export interface Quarantine {
  table: DeltaTable;
  onBadRecord: OnBadRecord;
}

/** The fatal error of LAKEHOUSE_ON_BAD_RECORD=fail, naming the event. */
export function badRecordError(r: RejectRow, bronzeVersion: number): ShoriError {
  return new ShoriError(
    'SHORI_BAD_RECORD',
    `an event cannot be applied (${r.table ?? 'undecodable'} at ${r.topic}/${r.partition}/${r.offset}: ${r.reason}) and LAKEHOUSE_ON_BAD_RECORD=fail`,
    { fatal: true, context: { topic: r.topic, partition: r.partition, offset: r.offset, table: r.table, reason: r.reason, bronzeVersion } },
  );
}

/** Stages rejects as `_rejected` rows, in `stage_rejected`. */
async function stageRejects(conn: DuckDBConnection, rejects: RejectRow[], bronzeVersion: number, now: string): Promise<void> {
  const rows = rejects.map((r) => [r.topic, r.partition, r.offset, bronzeVersion, r.table, r.reason, r.key, r.payload, now]);
  await stageRows(conn, 'stage_rejected', [...COLUMNS], rows);
}

const eventOf = (r: RejectRow | Record<string, unknown>) => `${r.topic}/${r.partition}/${r.offset}/${r.table}`;

export interface StepResult {
  version: number;
  rows: number;
}

export async function applyRejected(conn: DuckDBConnection, table: DeltaTable, batch: PreparedBatch, now: string): Promise<StepResult> {
  await stageRejects(conn, batch.rejects, batch.bronzeVersion, now);
  const result = await table.append(conn, 'SELECT * FROM stage_rejected', { txns: appliedTxn(batch.bronzeVersion), operation: 'WRITE' });
  return { version: result.version, rows: batch.rejects.length };
}

/**
 * Appends the rejects of a catch-up from Bronze as of `bronzeVersion` that the quarantine does not
 * hold yet (same topic, partition, offset and table); returns how many it appended. With `fail`, a
 * reject it does not hold is thrown instead (one it holds was dealt with when it was quarantined).
 */
export async function quarantineCaughtUp(
  conn: DuckDBConnection,
  { table, onBadRecord }: Quarantine,
  rejects: RejectRow[],
  bronzeVersion: number,
  now: string,
): Promise<number> {
  if (rejects.length === 0) return 0;
  await table.refresh();
  const tables = [...new Set(rejects.map((r) => r.table))].filter((t) => t !== null).map(quoteLiteral);
  const held = (
    await conn.runAndReadAll(`SELECT topic, "partition", "offset", "table" FROM ${await table.scan()} WHERE "table" IN (${tables.join(', ') || 'NULL'})`)
  ).getRowObjectsJson();
  const seen = new Set(held.map(eventOf));
  const fresh = rejects.filter((r) => !seen.has(eventOf(r)));
  if (fresh.length === 0) return 0;
  if (onBadRecord === 'fail') throw badRecordError(fresh[0], bronzeVersion);
  await stageRejects(conn, fresh, bronzeVersion, now);
  await table.append(conn, 'SELECT * FROM stage_rejected', { operation: 'WRITE' });
  return fresh.length;
}
