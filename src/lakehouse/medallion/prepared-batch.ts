// What the derived steps apply: the Bronze records of one Bronze version (or a piece of one),
// decoded, split by captured table, staged in DuckDB and checked against each table's Delta types.
// An event that cannot be applied (a key that is NULL or not a number, a value that does not fit its
// column, an undecodable message) becomes a reject for the quarantine instead of failing the batch.
// The same function serves the fast path (the batch still in memory, decoded once) and the recovery
// path (records read back from Bronze and decoded again): the derived tables are a pure function of
// Bronze either way.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, toDuckDbType } from '@shori/delta';
import type { CdcRow, CdcValue, ChangeEvent, DecodeResult } from '../../sources/debezium/types.ts';
import { stageRows, type StageColumn, type StageValue } from './staging.ts';
import { lookupColumn, type TableSpec } from './table-spec.ts';

/** One Bronze record: its coordinates, raw key and value, and its decoding. */
export interface BronzeEntry {
  stream: string;
  partition: number;
  position: number;
  key: Buffer | null;
  value: Buffer | null;
  decoded: DecodeResult;
}

export interface RejectRow {
  topic: string;
  partition: number;
  offset: number;
  table: string | null;
  reason: string;
  key: string | null;
  payload: string | null;
}

export interface PreparedTable {
  spec: TableSpec;
  /** DuckDB temp table of the valid change rows, typed: `_idx`, source, columns, `_op`, `_seq`, `_source_ts`, `_key`. */
  relation: string;
  rows: number;
  /** Truncates of this table in the batch: the highest position per source. */
  truncates: Map<string, string>;
  /** Every truncate of this table in the batch, with its source commit time (ISO): history closes intervals at it. */
  truncatePoints: TruncatePoint[];
}

export interface TruncatePoint {
  source: string;
  seq: string;
  at: string;
}

export interface PreparedBatch {
  bronzeVersion: number;
  entries: number;
  decodeErrors: number;
  rejects: RejectRow[];
  tables: PreparedTable[];
  /** Source commit times (ms) of the batch's changes: oldest and newest. */
  sourceTimes: { min: number; max: number } | null;
  /** Differences between a source's columns and the spec's, seen in this batch. */
  drift: string[];
}

function stageText(value: CdcValue | undefined): StageValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

function rejectOf(e: BronzeEntry, table: string | null, reason: string): RejectRow {
  return { topic: e.stream, partition: e.partition, offset: e.position, table, reason, key: text(e.key), payload: text(e.value) };
}

/** Drift messages per spec and column list: rows of one schema share their columns (one lookup each). */
const driftSeen = new WeakMap<TableSpec, Map<string, string[]>>();

function driftOf(spec: TableSpec, change: ChangeEvent): string[] {
  const image = change.after ?? change.before;
  if (!image || change.op === 'd') return [];
  let bySpec = driftSeen.get(spec);
  if (!bySpec) driftSeen.set(spec, (bySpec = new Map()));
  const columns = `${change.source.name}\u0000${change.source.table}\u0000${Object.keys(image).join('\u0000')}`;
  let out = bySpec.get(columns);
  if (!out) {
    if (bySpec.size > 1000) bySpec.clear();
    bySpec.set(columns, (out = driftMessages(spec, change, image)));
  }
  return out;
}

function driftMessages(spec: TableSpec, change: ChangeEvent, image: CdcRow): string[] {
  const known = new Set(spec.columns.map((c) => c.name.toLowerCase()));
  const seen = new Set(Object.keys(image).map((c) => c.toLowerCase()));
  const out: string[] = [];
  for (const column of Object.keys(image)) {
    if (!known.has(column.toLowerCase()))
      out.push(`source ${change.source.name} has a column ${change.source.table}.${column} that Silver does not: it is kept in Bronze only`);
  }
  for (const c of spec.columns) {
    if (!seen.has(c.name.toLowerCase())) out.push(`source ${change.source.name} sends no column ${change.source.table}.${c.name}: Silver stores NULL for it`);
  }
  return out;
}

/**
 * The typed relation's SELECT over the staged text: each column cast once (TRY_CAST, or from_base64
 * for bytes, staged as base64 by stageText), its raw text kept beside it as `__raw_<i>` for
 * `_reason`: NULL for a valid row, else every reason it cannot be applied (a key column that is NULL,
 * a value that does not fit its column's type).
 */
function checkedSql(spec: TableSpec, stage: string): string {
  const keys = new Set(spec.keyColumns);
  const raw = (i: number) => quoteIdent(`__raw_${i}`);
  const inner = spec.columns.flatMap((c, i) => {
    const col = quoteIdent(c.name);
    const typed = c.type === 'binary' ? `from_base64(${col})` : `TRY_CAST(${col} AS ${toDuckDbType(c.type)})`;
    return [`${typed} AS ${col}`, `${col} AS ${raw(i)}`];
  });
  const reasons = spec.columns.flatMap((c, i) => {
    const col = quoteIdent(c.name);
    // Bytes: the old check (any text casts to BLOB) kept; base64 of a Buffer always decodes.
    const invalid = c.type === 'binary' ? `TRY_CAST(${raw(i)} AS BLOB) IS NULL` : `${col} IS NULL`;
    const out = [`CASE WHEN ${raw(i)} IS NOT NULL AND ${invalid} THEN '${c.name}: ' || left(${raw(i)}, 60) || ' is not a valid ${String(c.type)}' END`];
    if (keys.has(c.name)) out.unshift(`CASE WHEN ${raw(i)} IS NULL THEN 'key column ${c.name} is NULL' END`);
    return out;
  });
  // `_key` is stored (the deleted-key memory): its text must stay what it always was. Bytes keep
  // the text of their base64 cast to BLOB, every other type the text of its typed value.
  const key = spec.keyColumns.map((k) => {
    const i = spec.columns.findIndex((c) => c.name === k);
    return spec.columns[i].type === 'binary' ? `CAST(CAST(${raw(i)} AS BLOB) AS VARCHAR)` : `CAST(${quoteIdent(k)} AS VARCHAR)`;
  });
  const columns = spec.columns.map((c) => quoteIdent(c.name));
  return `SELECT _idx, "source", ${columns.join(', ')}, _op, _seq, CAST(_source_ts AS TIMESTAMPTZ) AS _source_ts,
      ${key.length > 0 ? `concat_ws('|', ${key.join(', ')})` : "''"} AS _key,
      NULLIF(concat_ws('; ', ${reasons.join(', ')}), '') AS _reason
    FROM (SELECT _idx, "source", ${inner.join(', ')}, _op, _seq, _source_ts FROM ${quoteIdent(stage)})`;
}

async function stageTable(
  conn: DuckDBConnection,
  spec: TableSpec,
  rows: StageValue[][],
): Promise<{ relation: string; rows: number; rejects: Array<{ idx: number; reason: string }> }> {
  const stage = `stage_${spec.name}`;
  const checked = quoteIdent(`checked_${spec.name}`);
  const relation = `batch_${spec.name}`;
  const columns: StageColumn[] = [
    { name: '_idx', type: 'INTEGER' },
    { name: 'source', type: 'VARCHAR' },
    ...spec.columns.map((c) => ({ name: c.name, type: 'VARCHAR' as const })),
    { name: '_op', type: 'VARCHAR' },
    { name: '_seq', type: 'VARCHAR' },
    { name: '_source_ts', type: 'VARCHAR' },
  ];
  await stageRows(conn, stage, columns, rows);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${checked} AS ${checkedSql(spec, stage)}`);
  const rejects = (await conn.runAndReadAll(`SELECT _idx, _reason FROM ${checked} WHERE _reason IS NOT NULL ORDER BY _idx`)).getRowObjectsJson();
  // The valid rows: a view, so the typed rows are materialised once (in checked_), not copied again.
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS SELECT * EXCLUDE (_reason) FROM ${checked} WHERE _reason IS NULL`);
  return { relation, rows: rows.length - rejects.length, rejects: rejects.map((r) => ({ idx: Number(r._idx), reason: String(r._reason) })) };
}

/** One staged row of a change for `spec`, or a reason it has no row. */
function changeRow(spec: TableSpec, idx: number, change: ChangeEvent): StageValue[] | string {
  const image = change.op === 'd' ? (change.before ?? change.key) : change.after;
  if (!image) return `op ${change.op} without a row image`;
  const value = spec.columnValue ?? lookupColumn;
  const values = spec.columns.map((c) => stageText(value(image, c.name)));
  return [idx, change.source.name, ...values, change.op, change.seq, new Date(change.source.tsMs).toISOString()];
}

/**
 * `blocked` names changes that must not be applied (their schema conflicts with their table's:
 * schema-step.ts); they are quarantined with that reason.
 */
export async function prepareBatch(
  conn: DuckDBConnection,
  specs: readonly TableSpec[],
  entries: BronzeEntry[],
  bronzeVersion: number,
  blocked?: (change: ChangeEvent) => string | null,
): Promise<PreparedBatch> {
  const rejects: RejectRow[] = [];
  const drift = new Set<string>();
  const perSpec = new Map<TableSpec, { rows: StageValue[][]; truncates: Map<string, string>; points: TruncatePoint[] }>(
    specs.map((s) => [s, { rows: [], truncates: new Map(), points: [] }]),
  );
  let decodeErrors = 0;
  let min = Infinity;
  let max = -Infinity;
  entries.forEach((e, idx) => {
    const d = e.decoded;
    if (!d.ok) {
      decodeErrors++;
      rejects.push(rejectOf(e, null, `not decodable: ${d.error.message}`));
      return;
    }
    if (d.value.kind !== 'change') return;
    const change = d.value;
    const spec = specs.find((s) => s.matches(change));
    if (!spec) return; // a table nobody captures into Silver: Bronze keeps it
    const target = perSpec.get(spec)!;
    min = Math.min(min, change.source.tsMs);
    max = Math.max(max, change.source.tsMs);
    if (change.op === 't') {
      const held = target.truncates.get(change.source.name);
      if (held === undefined || change.seq > held) target.truncates.set(change.source.name, change.seq);
      target.points.push({ source: change.source.name, seq: change.seq, at: new Date(change.source.tsMs).toISOString() });
      // An append-only history keeps the truncate itself: a row of NULLs with `_op` 't'.
      if (spec.appendOnly)
        target.rows.push([idx, change.source.name, ...spec.columns.map(() => null), 't', change.seq, new Date(change.source.tsMs).toISOString()]);
      return;
    }
    const why = blocked?.(change);
    if (why) {
      rejects.push(rejectOf(e, spec.name, why));
      return;
    }
    for (const message of driftOf(spec, change)) drift.add(message);
    const row = changeRow(spec, idx, change);
    if (typeof row === 'string') rejects.push(rejectOf(e, spec.name, row));
    else target.rows.push(row);
  });
  const tables: PreparedTable[] = [];
  for (const [spec, { rows, truncates, points }] of perSpec) {
    const staged = await stageTable(conn, spec, rows);
    for (const r of staged.rejects) rejects.push(rejectOf(entries[r.idx], spec.name, r.reason));
    tables.push({ spec, relation: staged.relation, rows: staged.rows, truncates, truncatePoints: points });
  }
  return { bronzeVersion, entries: entries.length, decodeErrors, rejects, tables, sourceTimes: min <= max ? { min, max } : null, drift: [...drift] };
}
