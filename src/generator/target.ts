// What a workload needs from a database it drives. One implementation per kind of source
// (embedded SQLite here; SQL Server, PostgreSQL and MariaDB drivers implement the same interface).
import type { NewTicket, TicketChange } from './workload.ts';
import type { TicketStatus } from '../sources/embedded/tickets-schema.ts';
import type { AgentRow, CustomerRow, DdlStep } from './related.ts';

export interface GeneratorTarget {
  /** The source name (`topic.prefix`), e.g. shorisql_1. */
  readonly name: string;
  insert(row: NewTicket): Promise<number>;
  update(ticketId: number, change: TicketChange): Promise<boolean>;
  /** Moves a ticket to a new primary key (Debezium emits delete + tombstone + create). */
  changeKey(ticketId: number): Promise<number | null>;
  delete(ticketId: number): Promise<boolean>;
  /** A random existing ticket, or null when the table is empty. */
  randomTicket(): Promise<{ TicketID: number; Status: TicketStatus } | null>;
  /** Inserts the customer, or updates it when its CustomerID exists. */
  upsertCustomer(row: CustomerRow): Promise<void>;
  deleteCustomer(customerId: number): Promise<boolean>;
  /** Inserts the agent, or updates it when its AgentID exists. */
  upsertAgent(row: AgentRow): Promise<void>;
  /** Applies one DDL step (related.ts); false when it was applied before. */
  applyDdl(step: DdlStep): Promise<boolean>;
  /** Whether Customers has the column the add-column step adds. */
  customersHavePhone(): Promise<boolean>;
  close(): Promise<void>;
}
