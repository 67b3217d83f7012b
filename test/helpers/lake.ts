// Reads what the tests compare: the Delta tables (through our reader and DuckDB) and the embedded
// sources (through node:sqlite, independently of the pipeline), in one text form for exact equality.
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable, type Storage } from '@shori/delta';
import { Lake } from '../../src/lakehouse/lake/lake.ts';
import { TICKET_COLUMNS as TICKET_COLUMN_ORDER } from '../../src/sources/embedded/tickets-schema.ts';

/** A lake the tests read: a DATA_DIR (its `datalake` folder), or a LAKE_URI with the environment holding its credentials. */
export type LakeRef = string | { uri: string; env: Record<string, string> };

const lakes = new Map<string, Promise<Lake>>();

/** The table `<layer>/<name>` of a lake: a folder, or the Storage of an object-store lake (one read cache per lake). */
export async function tableAt(lake: LakeRef, layer: string, name: string): Promise<string | Storage> {
  if (typeof lake === 'string') return join(lake, 'datalake', layer, name);
  let opened = lakes.get(lake.uri);
  if (!opened) {
    opened = Lake.open({ uri: lake.uri, dataDir: mkdtempSync(join(tmpdir(), 'shori-lake-reader-')), env: lake.env, probe: false });
    lakes.set(lake.uri, opened);
  }
  return (await opened).table(layer, name);
}

/** Tickets' column order, as the source and Silver have it. */
export const TICKET_COLUMNS: readonly string[] = TICKET_COLUMN_ORDER;

export type TextRow = Record<string, string | null>;

export async function queryDelta(table: string | Storage, select: (scan: string) => string): Promise<TextRow[]>;
export async function queryDelta(lake: LakeRef, layer: string, name: string, select: (scan: string) => string): Promise<TextRow[]>;
export async function queryDelta(
  ...args: [string | Storage, (scan: string) => string] | [LakeRef, string, string, (scan: string) => string]
): Promise<TextRow[]> {
  const location = args.length === 2 ? args[0] : await tableAt(args[0], args[1], args[2]);
  const select = args.length === 2 ? args[1] : args[3];
  const table = await DeltaTable.open(location);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const reader = await conn.runAndReadAll(select(await table.scan()));
    return reader.getRowObjectsJson() as TextRow[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const ts = (c: string) => `strftime("${c}", '%Y-%m-%dT%H:%M:%S.%fZ') AS "${c}"`;

/** Silver tickets as text rows keyed `source/TicketID`. */
export async function silverTickets(lake: LakeRef): Promise<Map<string, TextRow>> {
  const rows = await queryDelta(
    lake,
    'silver',
    'tickets',
    (scan) =>
      `SELECT "source", CAST("TicketID" AS VARCHAR) AS "TicketID", "Title", "Description", "Status", "Priority", "Category",
            CAST("CustomerID" AS VARCHAR) AS "CustomerID", "AssignedTo", CAST("EstimatedCost" AS VARCHAR) AS "EstimatedCost",
            ${ts('CreatedAt')}, ${ts('UpdatedAt')}, ${ts('ResolvedAt')}
     FROM ${scan} AS t`,
  );
  return new Map(rows.map((r) => [`${r.source}/${r.TicketID}`, r]));
}

/** Source tickets as text rows keyed `source/TicketID`. */
export function sourceTickets(dataDir: string, sources: string[]): Map<string, TextRow> {
  const out = new Map<string, TextRow>();
  for (const source of sources) {
    const db = new DatabaseSync(join(dataDir, 'sources', `${source}.db`), { readOnly: true });
    try {
      for (const row of db.prepare('SELECT * FROM Tickets').all() as Array<Record<string, unknown>>) {
        const text: TextRow = { source };
        for (const c of TICKET_COLUMNS) text[c] = row[c] === null ? null : String(row[c]);
        out.set(`${source}/${text.TicketID}`, text);
      }
    } finally {
      db.close();
    }
  }
  return out;
}

export function sourceDb(dataDir: string, source: string): DatabaseSync {
  return new DatabaseSync(join(dataDir, 'sources', `${source}.db`), { readOnly: true });
}

/** Every difference between two keyed row sets, as readable lines (empty when equal). */
export function diffRows(expected: Map<string, TextRow>, actual: Map<string, TextRow>, limit = 10): string[] {
  const problems: string[] = [];
  for (const [key, row] of expected) {
    const other = actual.get(key);
    if (!other) problems.push(`missing ${key}`);
    else {
      for (const [column, value] of Object.entries(row)) {
        if (other[column] !== value) problems.push(`${key}.${column}: expected ${JSON.stringify(value)}, got ${JSON.stringify(other[column])}`);
      }
    }
    if (problems.length >= limit) return problems;
  }
  for (const key of actual.keys()) {
    if (!expected.has(key)) problems.push(`unexpected ${key}`);
    if (problems.length >= limit) break;
  }
  return problems;
}
