// The medallion's tables: where they live under DATA_DIR/datalake and their Delta schemas.
import { join } from 'node:path';
import type { DeltaSchema, DeltaField, Storage } from '../delta/index.ts';

export type Layer = 'bronze' | 'silver' | 'gold';

export function tablePath(dataDir: string, layer: Layer, name: string): string {
  return join(dataDir, 'datalake', layer, name);
}

/**
 * Opens the Storage of a medallion table. The service passes the lake's (LAKE_URI: a folder or an
 * object store, src/lakehouse/lake); left out, tables are folders under DATA_DIR/datalake.
 */
export type TableStorageFactory = (layer: Layer, name: string) => Storage;

const f = (name: string, type: DeltaField['type'], nullable = true): DeltaField => ({ name, type, nullable, metadata: {} });

/** Bronze `cdc_events`: every record as received, with its coordinates and the raw payload. */
export const BRONZE_EVENTS_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [
    f('topic', 'string', false),
    f('partition', 'integer', false),
    f('offset', 'long', false),
    f('key', 'string'),
    f('op', 'string'),
    f('source_name', 'string'),
    f('source_db', 'string'),
    f('source_table', 'string'),
    f('source_ts', 'timestamp'),
    f('seq', 'string'),
    f('ingest_ts', 'timestamp', false),
    f('payload', 'string'),
    f('decode_error', 'string'),
  ],
};

const TICKET_FIELDS: DeltaField[] = [
  f('source', 'string', false),
  f('TicketID', 'long', false),
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

/** Silver `tickets`: current state per (source, TicketID); `_seq` orders changes within a source. */
export const SILVER_TICKETS_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [...TICKET_FIELDS, f('_seq', 'string', false), f('_source_ts', 'timestamp'), f('_committed_at', 'timestamp', false)],
};

/** Silver `tickets_history`: every change, in order (type 2 history can be derived from it). */
export const SILVER_HISTORY_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [...TICKET_FIELDS, f('_op', 'string', false), f('_seq', 'string', false), f('_source_ts', 'timestamp'), f('_committed_at', 'timestamp', false)],
};

/**
 * Silver `_tickets_tombstones`: deleted keys and the position of their deletion, kept aside (as
 * AUTO CDC does) so that a late, older event for a deleted key is recognised as stale instead of
 * bringing the row back.
 */
export const SILVER_TOMBSTONES_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [f('source', 'string', false), f('TicketID', 'long', false), f('_seq', 'string', false), f('deleted_at', 'timestamp', false)],
};

export const TICKET_COLUMN_NAMES = TICKET_FIELDS.map((x) => x.name);
