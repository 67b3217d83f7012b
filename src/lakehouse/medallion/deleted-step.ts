// The deleted-key memory of one captured table (`silver/_<name>_deleted`): per (source, key) the
// highest source position of a delete, and per source the highest truncate (`_key` ''). Silver
// consults it so that an older event arriving late (a Debezium re-publication, a snapshot read
// racing the stream) cannot bring a deleted or truncated row back.
//
// Why a table of its own, committed BEFORE Silver, is free of crash windows: the memory is a pure
// function of Bronze (a max per key, so applying a version twice changes nothing) with its own
// applied-version txn, and the medallion applies Bronze version v to the memory before it applies v
// to Silver. So whenever Silver applies v, the memory holds every delete and truncate up to v (or
// later: knowing a later delete early only makes Silver skip an event the later delete would remove
// anyway). A crash between the two commits leaves the memory ahead, never behind; Silver's catch-up
// then applies v against a memory that already knows it. A truncate in the same batch as an older
// create is remembered as the source-wide position, which covers that create's key too.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type DeltaTable } from '@shori/delta';
import { appliedTxn } from './applied-version.ts';
import type { PreparedTable } from './prepared-batch.ts';
import type { StepResult } from './rejected-step.ts';

export async function applyDeleted(
  conn: DuckDBConnection,
  table: DeltaTable,
  prepared: PreparedTable,
  bronzeVersion: number | null,
  now: string,
): Promise<StepResult> {
  const truncates = [...prepared.truncates].map(
    ([source, seq]) => `SELECT ${quoteLiteral(source)} AS "source", '' AS _key, 't' AS _kind, ${quoteLiteral(seq)} AS _seq`,
  );
  const deletes = `SELECT "source", _key, 'd' AS _kind, max(_seq) AS _seq FROM ${quoteIdent(prepared.relation)} WHERE _op = 'd' GROUP BY "source", _key`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE stage_deleted AS
    SELECT "source", _key, _kind, _seq, CAST(${quoteLiteral(now)} AS TIMESTAMPTZ) AS deleted_at FROM (${[deletes, ...truncates].join(' UNION ALL ')})`);
  const rows = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM stage_deleted')).getRowObjectsJson()[0].n);
  const result = await table.merge(
    conn,
    {
      sourceSql: 'SELECT * FROM stage_deleted',
      on: ['source', '_key'],
      whenMatched: [{ condition: 's."_seq" > t."_seq"', action: 'update' }],
      whenNotMatched: [{ action: 'insert' }],
    },
    { txns: appliedTxn(bronzeVersion), operation: 'MERGE' },
  );
  return { version: result.version, rows };
}
