// The quarantine step: appends a prepared batch's rejects to `silver/_rejected`, recording the Bronze
// version in the same commit (applied-version.ts), so each reject lands once whatever the crash.
// Rejects of a catch-up from Bronze (backfill-step.ts: events of versions the quarantine applied
// before their table was a Silver table) carry no version of their own: they are appended unless
// `_rejected` holds the event for that table already, so a catch-up run again adds none twice.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ShoriError } from '../../errors.ts';
import { quoteIdent, type DeltaTable } from '@shori/delta';
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
  const rows = rejects.map((r) => [r.topic, r.partition, r.offset, bronzeVersion, r.table, r.reason, r.key, r.payload, now]);
  await stageRows(conn, 'stage_rejected', [...COLUMNS], rows);
  await table.refresh();
  const same = ['topic', 'partition', 'offset', 'table'].map((c) => `h.${quoteIdent(c)} IS NOT DISTINCT FROM s.${quoteIdent(c)}`).join(' AND ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE new_rejected AS
    SELECT s.* FROM stage_rejected AS s WHERE NOT EXISTS (SELECT 1 FROM ${await table.scan()} AS h WHERE ${same})`);
  const fresh = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM new_rejected')).getRowObjectsJson()[0].n);
  if (fresh > 0 && onBadRecord === 'fail') {
    const first = (
      await conn.runAndReadAll('SELECT "offset", "partition", topic, "table" FROM new_rejected ORDER BY topic, "partition", "offset" LIMIT 1')
    ).getRowObjectsJson()[0];
    const r = rejects.find(
      (x) => x.topic === first.topic && x.partition === Number(first.partition) && x.offset === Number(first.offset) && x.table === first.table,
    )!;
    await conn.run('DROP TABLE new_rejected');
    throw badRecordError(r, bronzeVersion);
  }
  if (fresh > 0) await table.append(conn, 'SELECT * FROM new_rejected', { operation: 'WRITE' });
  await conn.run('DROP TABLE new_rejected');
  return fresh;
}
