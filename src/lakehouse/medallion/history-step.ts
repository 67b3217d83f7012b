// The history step of one captured table: appends each source change once. A change is identified
// by its source position and row: (source, `_seq`, key, `_op`) — a primary-key update is a delete
// and a create at one position, a snapshot shares one position across rows. Duplicates within the
// batch are dropped, and so are changes history already holds (Debezium re-published them at new
// offsets, so Bronze holds them twice): an anti-join against history restricted to the batch's
// sources and position range, reading only the files whose statistics may hold that range. The
// applied Bronze version is recorded in the same commit, so a re-run after a crash is a no-op.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type DeltaTable } from '@shori/delta';
import { appliedTxn } from './applied-version.ts';
import { filesInRange, withFiles } from './file-subset.ts';
import type { PreparedTable } from './prepared-batch.ts';
import type { StepResult } from './rejected-step.ts';

export interface HistoryResult extends StepResult {
  /** Changes history already held (re-published by Debezium): skipped. */
  duplicates: number;
}

export async function applyHistory(conn: DuckDBConnection, history: DeltaTable, prepared: PreparedTable, bronzeVersion: number, now: string): Promise<HistoryResult> {
  const { spec } = prepared;
  const identity = ['source', '_seq', ...spec.keyColumns, '_op'].map(quoteIdent);
  const rel = quoteIdent(prepared.relation);
  const ranges = (await conn.runAndReadAll(`SELECT "source", min(_seq) AS lo, max(_seq) AS hi FROM ${rel} GROUP BY "source"`)).getRowObjectsJson() as Array<{ source: string; lo: string; hi: string }>;
  let held = `(SELECT ${identity.join(', ')} FROM ${await history.scan(withFiles(history.snapshot, []))})`;
  if (ranges.length > 0) {
    const lo = ranges.reduce((m, r) => (r.lo < m ? r.lo : m), ranges[0].lo);
    const hi = ranges.reduce((m, r) => (r.hi > m ? r.hi : m), ranges[0].hi);
    const files = filesInRange(history.snapshot, '_seq', lo, hi, new Set(ranges.map((r) => r.source)));
    const where = ranges.map((r) => `("source" = ${quoteLiteral(r.source)} AND _seq BETWEEN ${quoteLiteral(r.lo)} AND ${quoteLiteral(r.hi)})`).join(' OR ');
    held = `(SELECT ${identity.join(', ')} FROM ${await history.scan(withFiles(history.snapshot, files))} AS h WHERE ${where})`;
  }
  const match = identity.map((c) => `h.${c} = b.${c}`).join(' AND ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE history_new AS
    SELECT * FROM ${rel} AS b
    WHERE NOT EXISTS (SELECT 1 FROM ${held} AS h WHERE ${match})
    QUALIFY row_number() OVER (PARTITION BY ${identity.map((c) => `b.${c}`).join(', ')} ORDER BY b._idx) = 1`);
  const fresh = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM history_new')).getRowObjectsJson()[0].n);
  const columns = history.snapshot.schema.fields.map((f) => (f.name === '_committed_at' ? `CAST(${quoteLiteral(now)} AS TIMESTAMPTZ) AS _committed_at` : quoteIdent(f.name)));
  const result = await history.append(conn, `SELECT ${columns.join(', ')} FROM history_new ORDER BY "source", _seq`, { txns: appliedTxn(bronzeVersion), operation: 'WRITE' });
  return { version: result.version, rows: fresh, duplicates: prepared.rows - fresh };
}
