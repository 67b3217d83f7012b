// The Silver step of one captured table: applies a prepared batch to the current state, in source
// order, idempotently. Per (source, key) only the batch's newest change counts; it replaces the row
// only when newer than the row's `_seq` (an event at or below what Silver holds changes nothing), a
// delete removes the row, and an event at or below a remembered delete or truncate of its key
// (deleted-step.ts, already applied to this Bronze version) is dropped. A truncate in the batch
// becomes a delete, at the truncate's position, of every older row of that source. The applied
// Bronze version is recorded in the same commit, so a re-run after a crash is a no-op.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type DeltaTable } from '@shori/delta';
import { appliedTxn } from './applied-version.ts';
import type { PreparedTable } from './prepared-batch.ts';
import type { StepResult } from './rejected-step.ts';

export interface SilverResult extends StepResult {
  rowsChanged: number;
}

export async function applySilver(
  conn: DuckDBConnection,
  silver: DeltaTable,
  deleted: DeltaTable,
  prepared: PreparedTable,
  bronzeVersion: number | null,
  now: string,
): Promise<SilverResult> {
  const { spec } = prepared;
  const keys = ['source', ...spec.keyColumns];
  const partitionBy = keys.map(quoteIdent).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE silver_latest AS
    SELECT * FROM ${quoteIdent(prepared.relation)} QUALIFY row_number() OVER (PARTITION BY ${partitionBy} ORDER BY _seq DESC, _idx DESC) = 1`);
  // Truncates: changes up to the truncate are superseded; every older Silver row is deleted at it.
  for (const [source, seq] of prepared.truncates) {
    await conn.run(`DELETE FROM silver_latest WHERE "source" = ${quoteLiteral(source)} AND _seq <= ${quoteLiteral(seq)}`);
    const keyMatch = spec.keyColumns.map((k) => `b.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
    await conn.run(`INSERT INTO silver_latest ("source", ${spec.keyColumns.map(quoteIdent).join(', ')}, _op, _seq, _key)
      SELECT s."source", ${spec.keyColumns.map((k) => `s.${quoteIdent(k)}`).join(', ')}, 'd', ${quoteLiteral(seq)}, ''
      FROM ${await silver.scan()} AS s
      WHERE s."source" = ${quoteLiteral(source)} AND s._seq < ${quoteLiteral(seq)}
        AND NOT EXISTS (SELECT 1 FROM silver_latest b WHERE b."source" = s."source" AND ${keyMatch})`);
  }
  // Stale: at or below a remembered delete of the key, or a truncate of the source.
  // Two statements, so each is an equi-join (an OR of the key and the truncate makes one a nested loop).
  const remembered = await deleted.scan();
  await conn.run(`DELETE FROM silver_latest b USING ${remembered} AS m
    WHERE b._op <> 'd' AND m."source" = b."source" AND m._key = b._key AND b._seq <= m._seq`);
  await conn.run(`DELETE FROM silver_latest b USING (SELECT "source", max(_seq) AS _seq FROM ${remembered} AS t WHERE _kind = 't' GROUP BY "source") AS m
    WHERE b._op <> 'd' AND m."source" = b."source" AND b._seq <= m._seq`);
  const columns = silver.snapshot.schema.fields.map((f) =>
    f.name === '_committed_at' ? `CAST(${quoteLiteral(now)} AS TIMESTAMPTZ) AS _committed_at` : quoteIdent(f.name),
  );
  const result = await silver.merge(
    conn,
    {
      sourceSql: `SELECT ${columns.join(', ')}, _op FROM silver_latest`,
      on: keys,
      whenMatched: [
        { condition: `s."_seq" > t."_seq" AND s."_op" = 'd'`, action: 'delete' },
        { condition: `s."_seq" > t."_seq"`, action: 'update' },
      ],
      whenNotMatched: [{ condition: `s."_op" <> 'd'`, action: 'insert' }],
    },
    { txns: appliedTxn(bronzeVersion), operation: 'MERGE' },
  );
  const rowsChanged = (result.rowsInserted ?? 0) + (result.rowsUpdated ?? 0) + (result.rowsDeleted ?? 0);
  return { version: result.version, rows: prepared.rows, rowsChanged };
}
