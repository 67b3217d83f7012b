// Drives a real SQL database (PostgreSQL, MariaDB, SQL Server) with the same workload as the embedded
// sources. The dialects differ only in quoting, parameter markers and how the new key is returned,
// so one class with a small dialect table serves all three; each operation is its own transaction.
import type { GeneratorTarget } from './target.ts';
import type { NewTicket, TicketChange } from './workload.ts';
import type { TicketStatus } from '../sources/embedded/tickets-schema.ts';
import type { AgentRow, CustomerRow, DdlStep } from './related.ts';
import * as related from './sql-related.ts';

export type SqlDialect = 'postgres' | 'mariadb' | 'sqlserver';

/** The minimal client each driver adapter provides: run a statement with positional values. */
export interface SqlClient {
  query(sql: string, values: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const UPDATABLE = ['Title', 'Description', 'Status', 'Priority', 'Category', 'CustomerID', 'AssignedTo', 'EstimatedCost', 'UpdatedAt', 'ResolvedAt'] as const;
const INSERT_COLUMNS = [
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

interface Dialect {
  table: string;
  q: (ident: string) => string;
  p: (index: number) => string;
  /** The database takes UTC wall time without a zone (timestamp(6), DATETIME(6), DATETIME2(6)). */
  ts: (iso: string | null) => string | null;
  insert: (columns: string, params: string) => string;
  randomTicket: string;
  changeKey: string;
}

const wall = (iso: string | null) => (iso === null ? null : iso.replace('T', ' ').replace(/Z$/, ''));

const DIALECTS: Record<SqlDialect, Dialect> = {
  postgres: {
    table: 'public."Tickets"',
    q: (i) => `"${i}"`,
    p: (n) => `$${n}`,
    ts: wall,
    insert: (c, p) => `INSERT INTO public."Tickets" (${c}) VALUES (${p}) RETURNING "TicketID"`,
    randomTicket: `SELECT "TicketID", "Status" FROM public."Tickets" WHERE "TicketID" >= (SELECT floor(random() * (coalesce(max("TicketID"), 0) + 1)) FROM public."Tickets") ORDER BY "TicketID" LIMIT 1`,
    // The new key comes from the identity's sequence, so later inserts cannot collide with it.
    changeKey: `UPDATE public."Tickets" SET "TicketID" = nextval(pg_get_serial_sequence('public."Tickets"', 'TicketID')) WHERE "TicketID" = $1 RETURNING "TicketID"`,
  },
  mariadb: {
    table: 'Tickets',
    q: (i) => `\`${i}\``,
    p: () => '?',
    ts: wall,
    insert: (c, p) => `INSERT INTO Tickets (${c}) VALUES (${p}) RETURNING TicketID`,
    randomTicket: `SELECT TicketID, Status FROM Tickets WHERE TicketID >= (SELECT FLOOR(RAND() * (COALESCE(MAX(TicketID), 0) + 1)) FROM Tickets) ORDER BY TicketID LIMIT 1`,
    // InnoDB's persistent AUTO_INCREMENT follows an UPDATE of the key, so later inserts do not collide.
    changeKey: `UPDATE Tickets SET TicketID = (SELECT m FROM (SELECT MAX(TicketID) + 1 AS m FROM Tickets) AS x) WHERE TicketID = ?`,
  },
  sqlserver: {
    table: 'dbo.Tickets',
    q: (i) => `[${i}]`,
    p: (n) => `@p${n}`,
    ts: wall,
    insert: (c, p) => `INSERT INTO dbo.Tickets (${c}) OUTPUT INSERTED.TicketID VALUES (${p})`,
    randomTicket: `SELECT TOP 1 TicketID, Status FROM dbo.Tickets WHERE TicketID >= (SELECT CAST(RAND() * (ISNULL(MAX(TicketID), 0) + 1) AS INT) FROM dbo.Tickets) ORDER BY TicketID`,
    // An IDENTITY column cannot be updated: a key change is a delete and an insert of the row with a
    // new key in one transaction, which SQL Server's CDC records (and Debezium emits) the same way.
    changeKey: `SET IDENTITY_INSERT dbo.Tickets ON;
      DECLARE @n INT = (SELECT MAX(TicketID) + 1 FROM dbo.Tickets);
      BEGIN TRANSACTION;
      INSERT INTO dbo.Tickets (TicketID, Title, Description, Status, Priority, Category, CustomerID, AssignedTo, EstimatedCost, CreatedAt, UpdatedAt, ResolvedAt)
        SELECT @n, Title, Description, Status, Priority, Category, CustomerID, AssignedTo, EstimatedCost, CreatedAt, UpdatedAt, ResolvedAt FROM dbo.Tickets WHERE TicketID = @p1;
      DELETE FROM dbo.Tickets WHERE TicketID = @p1;
      COMMIT;
      SET IDENTITY_INSERT dbo.Tickets OFF;
      SELECT @n AS TicketID;`,
  },
};

export class SqlTarget implements GeneratorTarget {
  readonly name: string;
  readonly #client: SqlClient;
  readonly #d: Dialect;
  readonly #dialect: SqlDialect;

  constructor(name: string, dialect: SqlDialect, client: SqlClient) {
    this.name = name;
    this.#client = client;
    this.#d = DIALECTS[dialect];
    this.#dialect = dialect;
  }

  async insert(row: NewTicket): Promise<number> {
    const d = this.#d;
    const values = INSERT_COLUMNS.map((c) => (c === 'CreatedAt' || c === 'UpdatedAt' || c === 'ResolvedAt' ? d.ts(row[c]) : row[c]));
    const sql = d.insert(INSERT_COLUMNS.map(d.q).join(', '), INSERT_COLUMNS.map((_c, i) => d.p(i + 1)).join(', '));
    const rows = await this.#client.query(sql, values);
    return Number(rows[0]?.TicketID);
  }

  async update(ticketId: number, change: TicketChange): Promise<boolean> {
    const d = this.#d;
    const columns = UPDATABLE.filter((c) => c in change);
    if (columns.length === 0) return false;
    const values = columns.map((c) => {
      const v = (change as Record<string, string | number | null>)[c];
      return c === 'UpdatedAt' || c === 'ResolvedAt' ? d.ts(v as string | null) : v;
    });
    const sql = `UPDATE ${d.table} SET ${columns.map((c, i) => `${d.q(c)} = ${d.p(i + 1)}`).join(', ')} WHERE ${d.q('TicketID')} = ${d.p(columns.length + 1)}`;
    await this.#client.query(sql, [...values, ticketId]);
    return true;
  }

  async changeKey(ticketId: number): Promise<number | null> {
    const rows = await this.#client.query(this.#d.changeKey, [ticketId]);
    if (this.#dialect === 'mariadb') return null; // MariaDB's UPDATE returns no row; the key moved.
    return rows[0] ? Number(rows[0].TicketID) : null;
  }

  async delete(ticketId: number): Promise<boolean> {
    await this.#client.query(`DELETE FROM ${this.#d.table} WHERE ${this.#d.q('TicketID')} = ${this.#d.p(1)}`, [ticketId]);
    return true;
  }

  async randomTicket(): Promise<{ TicketID: number; Status: TicketStatus } | null> {
    const rows = await this.#client.query(this.#d.randomTicket, []);
    return rows[0] ? { TicketID: Number(rows[0].TicketID), Status: rows[0].Status as TicketStatus } : null;
  }

  async upsertCustomer(row: CustomerRow): Promise<void> {
    const { sql, values } = related.upsertCustomer(this.#dialect, row);
    await this.#client.query(sql, values);
  }

  async deleteCustomer(customerId: number): Promise<boolean> {
    const { sql, values } = related.deleteCustomer(this.#dialect, customerId);
    await this.#client.query(sql, values);
    return true;
  }

  async upsertAgent(row: AgentRow): Promise<void> {
    const { sql, values } = related.upsertAgent(this.#dialect, row);
    await this.#client.query(sql, values);
  }

  async applyDdl(step: DdlStep): Promise<boolean> {
    const statement = related.ddl(this.#dialect, step);
    if (statement === null) throw new Error(`--ddl is not supported on SQL Server: a changed column reaches CDC only through a new capture instance`);
    if ((await this.#client.query(related.ddlAppliedQuery(this.#dialect, step), [])).length > 0) return false;
    await this.#client.query(statement, []);
    return true;
  }

  async customersHavePhone(): Promise<boolean> {
    return (await this.#client.query(related.ddlAppliedQuery(this.#dialect, 'add-column'), [])).length > 0;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Driver adapters: the well-kept client of each database behind the SqlClient shape. */
export async function postgresClient(url: string): Promise<SqlClient> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return { query: async (sql, values) => (await client.query(sql, values)).rows, close: () => client.end() };
}

export async function mariadbClient(url: string): Promise<SqlClient> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url, timezone: 'Z', dateStrings: true });
  // TIMESTAMP columns convert from the session's zone: make it UTC, as the workload's times are.
  await connection.query("SET time_zone = '+00:00'");
  return {
    query: async (sql, values) => {
      const [rows] = await connection.query(sql, values);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    },
    close: () => connection.end(),
  };
}

export async function sqlserverClient(connectionString: string): Promise<SqlClient> {
  const { default: mssql } = await import('mssql');
  const pool = await new mssql.ConnectionPool(connectionString).connect();
  return {
    query: async (sql, values) => {
      const request = pool.request();
      values.forEach((v, i) => request.input(`p${i + 1}`, v));
      const result = await request.query(sql);
      return (result.recordset ?? []) as Array<Record<string, unknown>>;
    },
    close: () => pool.close(),
  };
}
