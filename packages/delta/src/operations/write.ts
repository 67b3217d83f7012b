// append and overwrite. append is a blind append (adds + txns): it never conflicts with other
// data changes. overwrite replaces every live file, so it reads the whole table.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from '../errors.ts';
import { fileKey } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';
import { removeFor, rowsIn, txnActions, type OperationPlan, type WriteOptions } from './types.ts';

export async function planAppend(
  conn: DuckDBConnection,
  storage: Storage,
  snapshot: TableSnapshot,
  sourceSql: string,
  options: WriteOptions = {},
): Promise<OperationPlan> {
  const now = Date.now();
  const adds = await writeDataFiles(conn, storage, snapshot, sourceSql);
  const rows = rowsIn(adds);
  return {
    written: adds,
    result: { filesAdded: adds.length, filesRemoved: 0, rowsWritten: rows },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'WRITE',
      operationParameters: options.operationParameters ?? { mode: 'Append' },
      operationMetrics: { numFiles: adds.length, numOutputRows: rows, numOutputBytes: adds.reduce((s, a) => s + a.size, 0) },
      actions: [...txnActions(options.txns, now), ...adds.map((add) => ({ add }))],
      read: { readFiles: new Set(), readsData: false },
      isBlindAppend: true,
    },
  };
}

export function assertNotAppendOnly(snapshot: TableSnapshot, operation: string): void {
  if (snapshot.properties['delta.appendOnly'] === 'true') {
    throw new DeltaError('DELTA_PROTOCOL', `${operation} is not allowed: table is append-only (delta.appendOnly=true)`, { context: { operation } });
  }
}

export async function planOverwrite(
  conn: DuckDBConnection,
  storage: Storage,
  snapshot: TableSnapshot,
  sourceSql: string,
  options: WriteOptions = {},
): Promise<OperationPlan> {
  if (snapshot.files.length > 0) assertNotAppendOnly(snapshot, 'overwrite');
  const now = Date.now();
  const adds = await writeDataFiles(conn, storage, snapshot, sourceSql);
  const removes = snapshot.files.map((f) => removeFor(f, now));
  const rows = rowsIn(adds);
  return {
    written: adds,
    result: { filesAdded: adds.length, filesRemoved: removes.length, rowsWritten: rows },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'WRITE',
      operationParameters: options.operationParameters ?? { mode: 'Overwrite' },
      operationMetrics: { numFiles: adds.length, numOutputRows: rows, numOutputBytes: adds.reduce((s, a) => s + a.size, 0), numRemovedFiles: removes.length },
      actions: [...txnActions(options.txns, now), ...removes.map((remove) => ({ remove })), ...adds.map((add) => ({ add }))],
      read: { readFiles: new Set(snapshot.files.map(fileKey)), readsData: true },
      isBlindAppend: false,
    },
  };
}
