// Turns decoded Debezium messages into the rows Bronze and Silver stage. Column names are matched
// case-insensitively (PostgreSQL folds unquoted names to lower case) and values stay text until
// DuckDB casts them to the Delta types.
import type { FeedRecord } from '../../feeds/feed.ts';
import type { CdcRow, CdcValue, DecodeResult } from '../../sources/debezium/types.ts';
import type { StageValue } from './staging.ts';
import { TICKET_COLUMN_NAMES } from './tables.ts';

export const BRONZE_STAGE_COLUMNS = [
  { name: 'topic', type: 'VARCHAR' },
  { name: 'partition', type: 'INTEGER' },
  { name: 'offset', type: 'BIGINT' },
  { name: 'key', type: 'VARCHAR' },
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

/** Silver staging: the ticket columns (source first) then control columns. */
export const CHANGE_STAGE_COLUMNS = [
  ...TICKET_COLUMN_NAMES.map((name) => ({ name, type: 'VARCHAR' as const })),
  { name: '_op', type: 'VARCHAR' as const },
  { name: '_seq', type: 'VARCHAR' as const },
  { name: '_source_ts', type: 'VARCHAR' as const },
  { name: '_committed_at', type: 'VARCHAR' as const },
  { name: '_stream', type: 'VARCHAR' as const },
  { name: '_partition', type: 'INTEGER' as const },
  { name: '_position', type: 'BIGINT' as const },
];

function stageText(value: CdcValue | undefined): StageValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

function lookup(row: CdcRow, column: string): CdcValue | undefined {
  if (column in row) return row[column];
  const lower = column.toLowerCase();
  for (const key of Object.keys(row)) if (key.toLowerCase() === lower) return row[key];
  return undefined;
}

export function bronzeRow(record: FeedRecord, decoded: DecodeResult, ingestTs: string): StageValue[] {
  const base = [record.stream, record.partition, record.position, record.key === null ? null : record.key.toString('utf8')];
  // The bytes as received: staged as UTF-8 without a JS string in between (staging.ts).
  const payload = record.value;
  if (!decoded.ok) return [...base, null, null, null, null, null, null, ingestTs, payload, decoded.error.message];
  const v = decoded.value;
  if (v.kind === 'change') {
    return [...base, v.op, v.source.name, v.source.db, v.source.table, new Date(v.source.tsMs).toISOString(), v.seq, ingestTs, payload, null];
  }
  const op = v.kind === 'tombstone' ? null : v.kind;
  return [...base, op, null, null, null, null, null, ingestTs, payload, null];
}

export function isTicketsTable(table: string): boolean {
  return table.toLowerCase() === 'tickets';
}

/** A change row for Silver, or null when the event carries no row for Tickets. */
export function changeRow(record: FeedRecord, decoded: DecodeResult, committedAt: string): StageValue[] | null {
  if (!decoded.ok || decoded.value.kind !== 'change') return null;
  const change = decoded.value;
  if (!isTicketsTable(change.source.table) || change.op === 't') return null;
  const image = change.op === 'd' ? change.before ?? change.key : change.after;
  if (!image) return null;
  const values: StageValue[] = TICKET_COLUMN_NAMES.map((column) => (column === 'source' ? change.source.name : stageText(lookup(image, column))));
  return [
    ...values,
    change.op,
    change.seq,
    new Date(change.source.tsMs).toISOString(),
    committedAt,
    record.stream,
    record.partition,
    record.position,
  ];
}
