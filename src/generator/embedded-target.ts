// Drives an embedded source (node:sqlite). Each operation is its own transaction, as an OLTP
// application's would be; the capture triggers record it in the same transaction.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { GeneratorTarget } from './target.ts';
import type { NewTicket, TicketChange } from './workload.ts';
import type { TicketStatus } from '../sources/embedded/tickets-schema.ts';
import { openSourceDb } from '../sources/embedded/source-db.ts';
import { addColumn, changeColumnType, latestSchema } from '../sources/embedded/capture.ts';
import type { AgentRow, CustomerRow, DdlStep } from './related.ts';

const CUSTOMER_COLUMNS = ['CustomerID', 'Name', 'Email', 'Tier', 'CreditLimit', 'CreatedAt', 'UpdatedAt'] as const;
const AGENT_COLUMNS = ['AgentID', 'DisplayName', 'Team', 'Level', 'Active', 'HiredOn', 'UpdatedAt'] as const;

function upsertSql(table: string, columns: readonly string[], key: string): string {
  const set = columns
    .filter((c) => c !== key && c !== 'CreatedAt')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ${set}`;
}

const UPDATABLE = ['Title', 'Description', 'Status', 'Priority', 'Category', 'CustomerID', 'AssignedTo', 'EstimatedCost', 'UpdatedAt', 'ResolvedAt'] as const;

export class EmbeddedTarget implements GeneratorTarget {
  readonly name: string;
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #random: StatementSync;
  readonly #delete: StatementSync;
  /** Prepared statements by SQL text (updates name their own columns; compiling one costs more than running it). */
  readonly #prepared = new Map<string, StatementSync>();

  constructor(dataDir: string, name: string) {
    this.name = name;
    this.#db = openSourceDb(dataDir, name);
    this.#insert = this.#db.prepare(
      `INSERT INTO Tickets (Title, Description, Status, Priority, Category, CustomerID, AssignedTo, EstimatedCost, CreatedAt, UpdatedAt, ResolvedAt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING TicketID`,
    );
    this.#random = this.#db.prepare(
      `SELECT TicketID, Status FROM Tickets WHERE TicketID >= (SELECT abs(random()) % (max(TicketID) + 1) FROM Tickets) ORDER BY TicketID LIMIT 1`,
    );
    this.#delete = this.#db.prepare('DELETE FROM Tickets WHERE TicketID = ?');
  }

  #statement(sql: string): StatementSync {
    let statement = this.#prepared.get(sql);
    if (statement === undefined) this.#prepared.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  async insert(row: NewTicket): Promise<number> {
    const result = this.#insert.get(
      row.Title,
      row.Description,
      row.Status,
      row.Priority,
      row.Category,
      row.CustomerID,
      row.AssignedTo,
      row.EstimatedCost,
      row.CreatedAt,
      row.UpdatedAt,
      row.ResolvedAt,
    ) as { TicketID: number };
    return Number(result.TicketID);
  }

  async update(ticketId: number, change: TicketChange): Promise<boolean> {
    const columns = UPDATABLE.filter((c) => c in change);
    if (columns.length === 0) return false;
    const sql = `UPDATE Tickets SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE TicketID = ?`;
    const values = columns.map((c) => (change as Record<string, string | number | null>)[c]);
    return Number(this.#statement(sql).run(...values, ticketId).changes) > 0;
  }

  async changeKey(ticketId: number): Promise<number | null> {
    const row = this.#db
      .prepare(`UPDATE Tickets SET TicketID = (SELECT max(TicketID) + 1 FROM Tickets) WHERE TicketID = ? RETURNING TicketID`)
      .get(ticketId) as { TicketID: number } | undefined;
    return row ? Number(row.TicketID) : null;
  }

  async delete(ticketId: number): Promise<boolean> {
    return Number(this.#delete.run(ticketId).changes) > 0;
  }

  async randomTicket(): Promise<{ TicketID: number; Status: TicketStatus } | null> {
    const row = this.#random.get() as { TicketID: number; Status: TicketStatus } | undefined;
    return row ? { TicketID: Number(row.TicketID), Status: row.Status } : null;
  }

  async upsertCustomer(row: CustomerRow): Promise<void> {
    const columns = row.Phone === undefined ? [...CUSTOMER_COLUMNS] : [...CUSTOMER_COLUMNS, 'Phone'];
    const values = columns.map((c) => (row as unknown as Record<string, string | number | null>)[c] ?? null);
    this.#statement(upsertSql('Customers', columns, 'CustomerID')).run(...values);
  }

  async deleteCustomer(customerId: number): Promise<boolean> {
    return Number(this.#statement('DELETE FROM Customers WHERE CustomerID = ?').run(customerId).changes) > 0;
  }

  async upsertAgent(row: AgentRow): Promise<void> {
    const values = AGENT_COLUMNS.map((c) => (c === 'Active' ? (row.Active ? 1 : 0) : row[c]));
    this.#statement(upsertSql('Agents', AGENT_COLUMNS, 'AgentID')).run(...values);
  }

  async applyDdl(step: DdlStep): Promise<boolean> {
    // A changed table: statements are prepared afresh against its new definition.
    this.#prepared.clear();
    switch (step) {
      case 'add-column':
        return addColumn(this.#db, 'Customers', { name: 'Phone', type: 'varchar(40)', nullable: true });
      case 'widen-int':
        return changeColumnType(this.#db, 'Agents', 'Level', 'bigint');
      case 'widen-decimal':
        return changeColumnType(this.#db, 'Customers', 'CreditLimit', 'decimal(14,2)');
      case 'widen-varchar':
        return changeColumnType(this.#db, 'Customers', 'Name', 'nvarchar(400)');
    }
  }

  async customersHavePhone(): Promise<boolean> {
    return latestSchema(this.#db, 'Customers')?.columns.some((c) => c.name === 'Phone') ?? false;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
