// The Tickets table (dbo.Tickets, public."Tickets", ticketsdb.Tickets): the first TableSpec.
import type { DeltaField } from '@shori/delta';
import type { TableSpec } from './table-spec.ts';

const f = (name: string, type: DeltaField['type']): DeltaField => ({ name, type, nullable: true, metadata: {} });

export const TICKETS_SPEC: TableSpec = {
  name: 'tickets',
  matches: (change) => change.source.table.toLowerCase() === 'tickets',
  keyColumns: ['TicketID'],
  columns: [
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
  ],
};
