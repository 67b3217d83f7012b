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
import { filesInRange, withFiles, type KeyRange } from './file-subset.ts';
import type { PreparedTable } from './prepared-batch.ts';
import type { StepResult } from './rejected-step.ts';

export interface HistoryResult extends StepResult {
  /** Changes history already held (re-published by Debezium): skipped. */
  duplicates: number;
}

const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte']);

/** The batch's range of the first key column, when it is an integer column (for file pruning). */
async function numericKeyRange(conn: DuckDBConnection, prepared: PreparedTable): Promise<KeyRange | undefined> {
  const column = prepared.spec.keyColumns[0];
  const field = prepared.spec.columns.find((c) => c.name === column);
  if (!field || typeof field.type !== 'string' || !INTEGER_TYPES.has(field.type)) return undefined;
  const [row] = (
    await conn.runAndReadAll(`SELECT min(${quoteIdent(column)})::BIGINT AS lo, max(${quoteIdent(column)})::BIGINT AS hi FROM ${quoteIdent(prepared.relation)}`)
  ).getRowObjectsJson();
  if (row.lo === null || row.hi === null) return undefined;
  return { column, min: Number(row.lo), max: Number(row.hi) };
}

export async function applyHistory(
  conn: DuckDBConnection,
  history: DeltaTable,
  prepared: PreparedTable,
  bronzeVersion: number | null,
  now: string,
): Promise<HistoryResult> {
  const { spec } = prepared;
  // Append-only (no key): a change is its position, op and whole row (NULLs compare equal).
  const identity = (spec.appendOnly ? ['source', '_seq', '_op', ...spec.columns.map((c) => c.name)] : ['source', '_seq', ...spec.keyColumns, '_op']).map(
    quoteIdent,
  );
  const rel = quoteIdent(prepared.relation);
  const ranges = (await conn.runAndReadAll(`SELECT "source", min(_seq) AS lo, max(_seq) AS hi FROM ${rel} GROUP BY "source"`)).getRowObjectsJson() as Array<{
    source: string;
    lo: string;
    hi: string;
  }>;
  let held = `(SELECT ${identity.join(', ')} FROM ${await history.scan(withFiles(history.snapshot, []))})`;
  if (ranges.length > 0) {
    const lo = ranges.reduce((m, r) => (r.lo < m ? r.lo : m), ranges[0].lo);
    const hi = ranges.reduce((m, r) => (r.hi > m ? r.hi : m), ranges[0].hi);
    const files = filesInRange(history.snapshot, '_seq', lo, hi, new Set(ranges.map((r) => r.source)), await numericKeyRange(conn, prepared));
    const where = ranges.map((r) => `("source" = ${quoteLiteral(r.source)} AND _seq BETWEEN ${quoteLiteral(r.lo)} AND ${quoteLiteral(r.hi)})`).join(' OR ');
    held = `(SELECT ${identity.join(', ')} FROM ${await history.scan(withFiles(history.snapshot, files))} AS h WHERE ${where})`;
  }
  const match = identity.map((c) => (spec.appendOnly ? `h.${c} IS NOT DISTINCT FROM b.${c}` : `h.${c} = b.${c}`)).join(' AND ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE history_new AS
    SELECT * FROM ${rel} AS b
    WHERE NOT EXISTS (SELECT 1 FROM ${held} AS h WHERE ${match})
    QUALIFY row_number() OVER (PARTITION BY ${identity.map((c) => `b.${c}`).join(', ')} ORDER BY b._idx) = 1`);
  const fresh = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM history_new')).getRowObjectsJson()[0].n);
  const columns = history.snapshot.schema.fields.map((f) =>
    f.name === '_committed_at' ? `CAST(${quoteLiteral(now)} AS TIMESTAMPTZ) AS _committed_at` : quoteIdent(f.name),
  );
  if (spec.scd2) return applyScd2(conn, history, prepared, bronzeVersion, now, fresh);
  const result = await history.append(conn, `SELECT ${columns.join(', ')} FROM history_new ORDER BY "source", _seq`, {
    txns: appliedTxn(bronzeVersion),
    operation: 'WRITE',
  });
  return { version: result.version, rows: fresh, duplicates: prepared.rows - fresh };
}

/** The batch's truncates as a temp table `history_cuts` (source, `_seq`, `_cut_at`). */
async function stageCuts(conn: DuckDBConnection, prepared: PreparedTable): Promise<void> {
  const rows = prepared.truncatePoints.map((p) => `(${quoteLiteral(p.source)}, ${quoteLiteral(p.seq)}, CAST(${quoteLiteral(p.at)} AS TIMESTAMPTZ))`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE history_cuts ("source" VARCHAR, _seq VARCHAR, _cut_at TIMESTAMPTZ)`);
  if (rows.length > 0) await conn.run(`INSERT INTO history_cuts VALUES ${rows.join(', ')}`);
}

/**
 * SCD type 2 in the same commit as the new changes: the new rows and the current rows of the keys
 * they touch are ordered by source position per (source, key); each version is valid from its
 * change's source commit time to the next one's, the last is current, and a delete row is an empty
 * interval that is never current. A truncate of a source in the batch ends, at its source commit
 * time, every version of that source current before it (the current rows of the whole source join
 * the window): the next version of a row after a truncate starts a new interval. One merge on the
 * change identity inserts the new rows and updates the intervals of the rows they supersede.
 */
async function applyScd2(
  conn: DuckDBConnection,
  history: DeltaTable,
  prepared: PreparedTable,
  bronzeVersion: number | null,
  now: string,
  fresh: number,
): Promise<HistoryResult> {
  const { spec } = prepared;
  const keys = ['source', ...spec.keyColumns].map(quoteIdent);
  const identity = ['source', '_seq', ...spec.keyColumns, '_op'];
  const fields = history.snapshot.schema.fields.map((f) => f.name).filter((n) => !['__valid_from', '__valid_to', '__is_current', '_committed_at'].includes(n));
  const cols = fields.map(quoteIdent).join(', ');
  const touched = `(SELECT DISTINCT ${keys.join(', ')} FROM history_new)`;
  await stageCuts(conn, prepared);
  const oldCols = `${fields.map((f) => `h.${quoteIdent(f)}`).join(', ')}, h._committed_at AS _was_committed`;
  const current = 'h.__is_current OR h.__valid_to IS NULL';
  let old = `SELECT ${oldCols}
      FROM ${await history.scan()} AS h SEMI JOIN ${touched} AS k ON ${keys.map((k) => `h.${k} IS NOT DISTINCT FROM k.${k}`).join(' AND ')}
      WHERE ${current}`;
  if (prepared.truncatePoints.length > 0) {
    // UNION (not ALL): a current row of a touched key in a truncated source is selected twice.
    old = `${old} UNION SELECT ${oldCols} FROM ${await history.scan()} AS h
      WHERE (${current}) AND h."source" IN (SELECT "source" FROM history_cuts)`;
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE history_scd AS
    WITH old AS (${old}), rows AS (
      SELECT ${cols}, _was_committed FROM old
      UNION ALL BY NAME SELECT ${cols}, CAST(NULL AS TIMESTAMPTZ) AS _was_committed FROM history_new
    ), ordered AS (
      SELECT *, lead(_seq) OVER w AS _next_seq, lead(_source_ts) OVER w AS _next_ts
      FROM rows WINDOW w AS (PARTITION BY ${keys.join(', ')} ORDER BY _seq, _op)
    ), cut AS (
      SELECT o.*, c._seq AS _cut_seq, c._cut_at FROM ordered AS o ASOF LEFT JOIN history_cuts AS c ON o."source" = c."source" AND o._seq < c._seq
    )
    SELECT ${cols},
      _source_ts AS __valid_from,
      CASE WHEN _op = 'd' THEN _source_ts
           WHEN _cut_seq IS NOT NULL AND (_next_seq IS NULL OR _cut_seq < _next_seq) THEN _cut_at
           ELSE _next_ts END AS __valid_to,
      _op <> 'd' AND _next_seq IS NULL AND _cut_seq IS NULL AS __is_current,
      coalesce(_was_committed, CAST(${quoteLiteral(now)} AS TIMESTAMPTZ)) AS _committed_at
    FROM cut`);
  const columns = history.snapshot.schema.fields.map((f) => quoteIdent(f.name));
  const result = await history.merge(
    conn,
    {
      sourceSql: `SELECT ${columns.join(', ')} FROM history_scd`,
      on: identity,
      whenMatched: [{ condition: 's."__valid_to" IS DISTINCT FROM t."__valid_to" OR s."__is_current" <> t."__is_current"', action: 'update' }],
      whenNotMatched: [{ action: 'insert' }],
    },
    { txns: appliedTxn(bronzeVersion), operation: 'MERGE' },
  );
  return { version: result.version, rows: fresh, duplicates: prepared.rows - fresh };
}
