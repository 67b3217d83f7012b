// The Tickets table of the embedded sources and the change table that SQL Server's CDC keeps: triggers
// (capture.ts, one set per captured table) write every change, in the same transaction as the write,
// into `cdc_changes`, whose AUTOINCREMENT `lsn` is a monotonically increasing log sequence number
// (never reused, even after purging). Decimals are stored as exact text (SQLite has no DECIMAL) and timestamps as ISO-8601 UTC
// text with microseconds, so nothing is rounded on the way.

export const TICKET_STATUSES = ['Open', 'InProgress', 'Resolved', 'Closed'] as const;
export const TICKET_PRIORITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** Column order of Tickets everywhere (source, envelope, Silver). */
export const TICKET_COLUMNS = [
  'TicketID',
  'Title',
  'Description',
  'Status',
  'Priority',
  'Category',
  'CustomerID',
  'AssignedTo',
  'EstimatedCost',
  'CreatedAt',
  'UpdatedAt',
  'ResolvedAt',
] as const;
export type TicketColumn = (typeof TICKET_COLUMNS)[number];

export interface TicketRow {
  TicketID: number;
  Title: string;
  Description: string | null;
  Status: TicketStatus;
  Priority: TicketPriority;
  Category: string;
  CustomerID: number;
  AssignedTo: string | null;
  /** Exact decimal text with scale 2, e.g. "1234.50". */
  EstimatedCost: string;
  /** ISO-8601 UTC with microseconds, e.g. "2026-11-24T08:00:00.123456Z". */
  CreatedAt: string;
  UpdatedAt: string;
  ResolvedAt: string | null;
}

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const isoMicros = (col: string) => `${col} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'`;

export const TICKETS_DDL = `
CREATE TABLE IF NOT EXISTS Tickets (
  TicketID      INTEGER PRIMARY KEY AUTOINCREMENT,
  Title         TEXT NOT NULL,
  Description   TEXT,
  Status        TEXT NOT NULL CHECK (Status IN (${inList(TICKET_STATUSES)})),
  Priority      TEXT NOT NULL CHECK (Priority IN (${inList(TICKET_PRIORITIES)})),
  Category      TEXT NOT NULL,
  CustomerID    INTEGER NOT NULL,
  AssignedTo    TEXT,
  EstimatedCost TEXT NOT NULL CHECK (EstimatedCost GLOB '[0-9]*.[0-9][0-9]' OR EstimatedCost GLOB '-[0-9]*.[0-9][0-9]'),
  CreatedAt     TEXT NOT NULL CHECK (${isoMicros('CreatedAt')}),
  UpdatedAt     TEXT NOT NULL CHECK (${isoMicros('UpdatedAt')}),
  ResolvedAt    TEXT CHECK (ResolvedAt IS NULL OR ${isoMicros('ResolvedAt')})
);

-- The change table: one row per changed row, like cdc.dbo_Tickets_CT.
CREATE TABLE IF NOT EXISTS cdc_changes (
  lsn       INTEGER PRIMARY KEY AUTOINCREMENT,
  op        TEXT NOT NULL CHECK (op IN ('c', 'u', 'd')),
  tbl       TEXT NOT NULL,
  before    TEXT,
  after     TEXT,
  commit_ts TEXT NOT NULL,
  schema_id INTEGER,
  -- Set only on a change published again at a new position, as Debezium does after a connector
  -- restart: the LSN of the original change, whose source position (order key) it carries.
  origin_lsn INTEGER
);

-- Positions committed by each consumer of this source's change stream (like consumer groups).
CREATE TABLE IF NOT EXISTS cdc_offsets (
  grp        TEXT NOT NULL,
  stream     TEXT NOT NULL,
  next       INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (grp, stream)
);
`;
