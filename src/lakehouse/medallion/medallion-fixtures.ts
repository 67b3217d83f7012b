// Test support for the medallion's unit tests: hand-built Debezium records (schemaless JSON, as a
// connector with schemas.enable=false writes them) and readers of what each table holds.
import type { FeedRecord } from '../../feeds/feed.ts';
import type { Medallion } from './medallion.ts';
import type { DeltaTable } from '@shori/delta';

export const SOURCE = 'shorisql_1';
export const STREAM = `${SOURCE}.TicketsDb.dbo.Tickets`;

export interface TicketImage {
  TicketID: number | string | null;
  Status?: string;
  EstimatedCost?: string;
  Description?: string | null;
}

function image(t: TicketImage): Record<string, unknown> {
  return {
    TicketID: t.TicketID,
    Title: `t${t.TicketID}`,
    Description: t.Description ?? null,
    Status: t.Status ?? 'Open',
    Priority: 'High',
    Category: 'Network',
    CustomerID: 1001,
    AssignedTo: null,
    EstimatedCost: t.EstimatedCost ?? '10.00',
    CreatedAt: '2026-01-01T00:00:00.000001Z',
    UpdatedAt: '2026-01-01T00:00:00.000002Z',
    ResolvedAt: null,
  };
}

const source = (lsn: number) => ({
  version: '1',
  connector: 'embedded',
  name: SOURCE,
  ts_ms: Date.now(),
  snapshot: 'false',
  db: 'TicketsDb',
  schema: 'dbo',
  table: 'Tickets',
  lsn,
});

export function raw(position: number, value: string | null, key: string | null = null, partition = 0): FeedRecord {
  return {
    stream: STREAM,
    partition,
    position,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: Date.now(),
  };
}

/** A change at feed `position` whose source position is `lsn` (they differ on a re-publication). */
export function change(position: number, lsn: number, op: 'c' | 'u' | 'd' | 'r' | string, t: TicketImage, partition = 0): FeedRecord {
  const row = image(t);
  const payload = { before: op === 'c' || op === 'r' ? null : row, after: op === 'd' ? null : row, source: source(lsn), op, ts_ms: Date.now() };
  return raw(position, JSON.stringify(payload), JSON.stringify({ TicketID: t.TicketID }), partition);
}

export function truncate(position: number, lsn: number): FeedRecord {
  return raw(position, JSON.stringify({ before: null, after: null, source: source(lsn), op: 't', ts_ms: Date.now() }));
}

export async function rows(m: Medallion, table: DeltaTable, select: string, where = ''): Promise<Array<Record<string, unknown>>> {
  await table.refresh();
  return (await m.conn.runAndReadAll(`SELECT ${select} FROM ${table.scanSql()} AS t ${where}`)).getRowObjectsJson() as Array<Record<string, unknown>>;
}

/** Silver as `TicketID → Status/EstimatedCost`. */
export async function silverState(m: Medallion): Promise<Map<number, string>> {
  const r = await rows(m, m.silver, `"TicketID", "Status", CAST("EstimatedCost" AS VARCHAR) AS c`, 'ORDER BY 1');
  return new Map(r.map((x) => [Number(x.TicketID), `${x.Status}/${x.c}`]));
}

export async function count(m: Medallion, table: DeltaTable, where = ''): Promise<number> {
  return Number((await rows(m, table, 'count(*) AS n', where))[0].n);
}

/** History rows as `seq:op:id`, sorted, to check each change is held once. */
export async function historyIds(m: Medallion): Promise<string[]> {
  const r = await rows(m, m.history, `_seq, _op, "TicketID"`, 'ORDER BY 1, 2, 3');
  return r.map((x) => `${Number(x._seq)}:${x._op}:${x.TicketID}`);
}
