// The tables of an embedded source and their declared column types. SQLite stores values without a
// type (decimals as exact text, timestamps as ISO-8601 text), so the declared types live in the
// capture's catalogue (capture.ts, `cdc_schemas`): they decide the Connect schema each change is
// published with, as SQL Server's column types decide Debezium's. Declared types, SQL Server's names:
//   bigint, int, smallint, bit, nvarchar(n), varchar(n), nvarchar(max), decimal(p,s),
//   datetime2 (UTC wall time, microseconds), datetimeoffset (ISO-8601 with offset), date,
//   varbinary(n) / varbinary(max) (stored as hex text; published as Connect bytes)
export interface EmbeddedColumn {
  name: string;
  /** Declared type (see above). */
  type: string;
  nullable: boolean;
}

export interface EmbeddedTableDef {
  name: string;
  key: string[];
  columns: EmbeddedColumn[];
  /** CREATE TABLE IF NOT EXISTS ... (SQLite). */
  ddl: string;
}

const col = (name: string, type: string, nullable = false): EmbeddedColumn => ({ name, type, nullable });

/** Tickets (its DDL, with its checks, is TICKETS_DDL in tickets-schema.ts). */
export const TICKETS: Omit<EmbeddedTableDef, 'ddl'> = {
  name: 'Tickets',
  key: ['TicketID'],
  columns: [
    col('TicketID', 'bigint'),
    col('Title', 'nvarchar(200)'),
    col('Description', 'nvarchar(max)', true),
    col('Status', 'varchar(20)'),
    col('Priority', 'varchar(20)'),
    col('Category', 'nvarchar(50)'),
    col('CustomerID', 'bigint'),
    col('AssignedTo', 'nvarchar(100)', true),
    col('EstimatedCost', 'decimal(10,2)'),
    col('CreatedAt', 'datetime2'),
    col('UpdatedAt', 'datetime2'),
    col('ResolvedAt', 'datetime2', true),
  ],
};

const isoMicros = (c: string) => `${c} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'`;
const decimalText = (c: string) => `(${c} GLOB '[0-9]*.[0-9][0-9]' OR ${c} GLOB '-[0-9]*.[0-9][0-9]')`;

/** Customers: Tickets.CustomerID names one (no foreign key, as CDC sources often have none). */
export const CUSTOMERS: EmbeddedTableDef = {
  name: 'Customers',
  key: ['CustomerID'],
  columns: [
    col('CustomerID', 'int'),
    col('Name', 'nvarchar(200)'),
    col('Email', 'nvarchar(200)', true),
    col('Tier', 'varchar(20)'),
    col('CreditLimit', 'decimal(12,2)'),
    col('CreatedAt', 'datetime2'),
    col('UpdatedAt', 'datetime2'),
  ],
  ddl: `CREATE TABLE IF NOT EXISTS Customers (
  CustomerID  INTEGER PRIMARY KEY,
  Name        TEXT NOT NULL,
  Email       TEXT,
  Tier        TEXT NOT NULL,
  CreditLimit TEXT NOT NULL CHECK ${decimalText('CreditLimit')},
  CreatedAt   TEXT NOT NULL CHECK (${isoMicros('CreatedAt')}),
  UpdatedAt   TEXT NOT NULL CHECK (${isoMicros('UpdatedAt')})
);`,
};

/** Agents: Tickets.AssignedTo names one by AgentID. */
export const AGENTS: EmbeddedTableDef = {
  name: 'Agents',
  key: ['AgentID'],
  columns: [
    col('AgentID', 'nvarchar(100)'),
    col('DisplayName', 'nvarchar(200)'),
    col('Team', 'nvarchar(50)'),
    col('Level', 'int'),
    col('Active', 'bit'),
    col('HiredOn', 'date'),
    col('UpdatedAt', 'datetimeoffset'),
  ],
  ddl: `CREATE TABLE IF NOT EXISTS Agents (
  AgentID     TEXT PRIMARY KEY NOT NULL,
  DisplayName TEXT NOT NULL,
  Team        TEXT NOT NULL,
  Level       INTEGER NOT NULL,
  Active      INTEGER NOT NULL CHECK (Active IN (0, 1)),
  HiredOn     TEXT NOT NULL CHECK (HiredOn GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  UpdatedAt   TEXT NOT NULL
);`,
};

/** The tables every embedded source has from the start (more can be created and captured later). */
export const BUILTIN_TABLES: Array<Omit<EmbeddedTableDef, 'ddl'>> = [TICKETS, CUSTOMERS, AGENTS];
