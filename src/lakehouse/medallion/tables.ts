// The medallion's tables: where they live under DATA_DIR/datalake and the schemas of the tables that
// are not derived from a TableSpec (Bronze and the quarantine). Spec-derived schemas: table-spec.ts.
import { join } from 'node:path';
import type { DeltaSchema, DeltaField, Storage } from '@shori/delta';
import { historySchema, silverSchema, type TableSpec } from './table-spec.ts';
import { TICKETS_SPEC } from './tickets-spec.ts';

export type Layer = 'bronze' | 'silver' | 'gold';

export function tablePath(dataDir: string, layer: Layer, name: string): string {
  return join(dataDir, 'datalake', layer, name);
}

/**
 * Where the medallion's tables are: each table's Storage, and the tables a layer holds. The service
 * passes the lake's (LAKE_URI: a folder or an object store, src/lakehouse/lake); left out, tables are
 * folders under DATA_DIR/datalake (local-lake.ts).
 */
export interface LakeTables {
  table(layer: Layer, name: string): Storage;
  /** Names of the tables (folders) under `<layer>/`, sorted. */
  tableNames(layer: Layer): Promise<string[]>;
}

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

/**
 * Silver `_rejected`: the quarantine. Each event that cannot be applied to a derived table, with its
 * Bronze coordinates (topic, partition, offset, Bronze version), the table it was meant for (null
 * when it could not even be decoded), the reason and the raw key and payload.
 */
export const REJECTED_SCHEMA: DeltaSchema = {
  type: 'struct',
  fields: [
    f('topic', 'string', false),
    f('partition', 'integer', false),
    f('offset', 'long', false),
    f('bronze_version', 'long', false),
    f('table', 'string'),
    f('reason', 'string', false),
    f('key', 'string'),
    f('payload', 'string'),
    f('rejected_at', 'timestamp', false),
  ],
};

/** The captured tables today (issue 9 adds one spec per captured table). */
export const TABLE_SPECS: readonly TableSpec[] = [TICKETS_SPEC];

/** Kept for readers of the Tickets tables (tests, catalogue). */
export const SILVER_TICKETS_SCHEMA = silverSchema(TICKETS_SPEC);
export const SILVER_HISTORY_SCHEMA = historySchema(TICKETS_SPEC);
export const TICKET_COLUMN_NAMES = ['source', ...TICKETS_SPEC.columns.map((c) => c.name)];
