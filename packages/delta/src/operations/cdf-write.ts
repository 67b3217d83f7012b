// Change Data Feed, writer side (PROTOCOL.md "Change Data Files", "Add CDC File"). On a table with
// `delta.enableChangeDataFeed=true` (and a protocol that declares the feature: writer 4, or writer
// 7 with `changeDataFeed`), operations that rewrite existing rows (merge, delete, update) also
// write the changed rows, with a `_change_type` column, to parquet files under `_change_data/`
// (Hive-style partition folders as for data files) and record them as `cdc` actions with
// dataChange=false. A commit with cdc actions is read from its cdc files alone, so they must hold
// every change of that commit: inserts too. Appends write none: readers derive inserts from adds.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action, AddAction, ProtocolAction } from '../actions/types.ts';
import type { DeltaSchema } from '../schema/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';

export const CHANGE_TYPE_COLUMN = '_change_type';
export const CHANGE_DATA_DIR = '_change_data/';
export type ChangeType = 'insert' | 'update_preimage' | 'update_postimage' | 'delete';

export interface CdcAction {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: false;
  tags?: Record<string, string> | null;
}

/** Whether the protocol lets a writer produce change data (the property alone is not enough). */
export function protocolAllowsCdf(protocol: ProtocolAction): boolean {
  if (protocol.minWriterVersion === 7) return (protocol.writerFeatures ?? []).includes('changeDataFeed');
  return protocol.minWriterVersion >= 4;
}

export function cdfPropertySet(properties: Record<string, string>): boolean {
  return properties['delta.enableChangeDataFeed']?.toLowerCase() === 'true';
}

/**
 * True when writers must produce cdc files for this snapshot. A table whose property says true
 * but whose protocol predates the feature (created by an older writer) gets none: readers then
 * derive changes from adds and removes.
 */
export function cdfEnabled(snapshot: TableSnapshot): boolean {
  return cdfPropertySet(snapshot.properties) && protocolAllowsCdf(snapshot.protocol);
}

/** The table schema plus the `_change_type` column: the layout of a change data file. */
export function changeDataSchema(schema: DeltaSchema): DeltaSchema {
  return { ...schema, fields: [...schema.fields, { name: CHANGE_TYPE_COLUMN, type: 'string', nullable: false, metadata: {} }] };
}

export interface ChangeFiles {
  actions: Array<{ cdc: CdcAction }>;
  /** The files as adds, so a failed commit can delete them like data files. */
  files: AddAction[];
}

/**
 * Writes the rows of `changesSql` (table columns plus `_change_type`) as change data files.
 * No rows, no files.
 */
export async function writeChangeFiles(conn: DuckDBConnection, storage: Storage, snapshot: TableSnapshot, changesSql: string): Promise<ChangeFiles> {
  const layout = { schema: changeDataSchema(snapshot.schema), partitionColumns: snapshot.partitionColumns };
  const files = await writeDataFiles(conn, storage, layout, changesSql, { directory: CHANGE_DATA_DIR });
  const actions = files.map((f) => ({ cdc: { path: f.path, partitionValues: f.partitionValues, size: f.size, dataChange: false as const } }));
  return { actions, files };
}

/** Cast helper for the operations: cdc actions travel in the commit like any other action. */
export function asActions(changes: ChangeFiles): Action[] {
  return changes.actions as unknown as Action[];
}
