// The Tickets table (dbo.Tickets, public."Tickets", ticketsdb.Tickets): the first TableSpec. Its
// columns are written by hand (the Gold KPIs and the dashboard rely on these types: CreatedAt is a
// `timestamp` here, where the generic mapping would make a source's datetime2 a `timestamp_ntz`);
// a column a source adds later is appended by schema evolution like any table's (schema-step.ts).
import type { DeltaField } from '@shori/delta';
import type { TableSpec } from './table-spec.ts';

const f = (name: string, type: DeltaField['type']): DeltaField => ({ name, type, nullable: true, metadata: {} });

const COLUMNS: DeltaField[] = [
  f('TicketID', 'long'),
  f('Title', 'string'),
  f('Description', 'string'),
  f('Status', 'string'),
  f('Priority', 'string'),
  f('Category', 'string'),
  f('CustomerID', 'long'),
  f('AssignedTo', 'string'),
  f('EstimatedCost', 'decimal(10,2)'),
  f('CreatedAt', 'timestamp'),
  f('UpdatedAt', 'timestamp'),
  f('ResolvedAt', 'timestamp'),
];

export const TICKETS_SPEC: TableSpec = {
  name: 'tickets',
  matches: (change) => change.source.table.toLowerCase() === 'tickets',
  keyColumns: ['TicketID'],
  columns: COLUMNS,
  fixedColumns: COLUMNS.map((c) => c.name),
};
