// OPTIMIZE (compaction): a streaming writer leaves one small file per batch; this bin-packs the
// small files of each partition into new files of about the target size (`delta.targetFileSize`,
// default 128 MiB). Rows are unchanged, so adds and removes carry dataChange=false (streaming
// readers skip them) and a concurrent blind append never conflicts. When no partition has
// `minFiles` small files it reads no data and commits nothing: it costs one pass over the
// snapshot's file list, so it is cheap to call often. Deletion vectors are purged as Spark's
// OPTIMIZE does: a file whose vector deletes more than `maxDeletedRowsRatio` of its rows (default
// 0.05, Spark's default) is rewritten without them whatever its size, and its partition's small
// files are compacted with it even below `minFiles`; the file is removed together with its vector.
// Below the ratio a vector stays (a small file compacted anyway loses it): a table that takes
// uniform updates is then rewritten once per ~5 % of its rows changed, not at every optimize.
import type { DuckDBConnection } from '@duckdb/node-api';
import { fileKey, type AddAction } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';
import { targetFileSize } from '../parquet/target-file-size.ts';
import { buildScanSql } from './scan.ts';
import { prepareDataFiles } from '../storage/paths.ts';
import { removeFor, rowsIn, type OperationPlan } from './types.ts';

export interface OptimizeOptions {
  /** Files smaller than this are compacted into files of about this size (bytes; default the table's `delta.targetFileSize`, else 128 MiB). */
  targetFileSize?: number;
  /** A partition is compacted only when it has at least this many small files (default 10). */
  minFiles?: number;
  /** Files whose deletion vector deletes more than this share of their rows are rewritten without them (default 0.05). */
  maxDeletedRowsRatio?: number;
}

/** Whether a file's deletion vector deletes more than `ratio` of its rows (no row count in stats: yes). */
export function needsPurge(file: AddAction, ratio: number): boolean {
  const dv = file.deletionVector;
  if (!dv) return false;
  const m = file.stats ? /"numRecords":\s*(\d+)/.exec(file.stats) : null;
  return !m || dv.cardinality > ratio * Number(m[1]);
}

export async function planOptimize(conn: DuckDBConnection, storage: Storage, snapshot: TableSnapshot, options: OptimizeOptions = {}): Promise<OperationPlan> {
  const target = options.targetFileSize ?? targetFileSize(snapshot.properties);
  const minFiles = Math.max(2, options.minFiles ?? 10);
  const now = Date.now();
  const groups = new Map<string, AddAction[]>();
  const ratio = options.maxDeletedRowsRatio ?? 0.05;
  const purgeable = (f: AddAction) => needsPurge(f, ratio);
  for (const file of snapshot.files) {
    if (file.size >= target && !purgeable(file)) continue;
    const key = JSON.stringify(snapshot.partitionColumns.map((c) => file.partitionValues?.[c] ?? null));
    const list = groups.get(key);
    if (list) list.push(file);
    else groups.set(key, [file]);
  }
  const adds: AddAction[] = [];
  const compacted: AddAction[] = [];
  for (const files of groups.values()) {
    const purge = files.some(purgeable); // files with many deleted rows are rewritten without them
    if (files.length < minFiles && !purge) continue;
    // Bins of roughly `target` bytes of input each.
    let bin: AddAction[] = [];
    let binBytes = 0;
    const flush = async () => {
      if (bin.length >= 2 || bin.some(purgeable)) {
        await prepareDataFiles(
          storage,
          bin.map((f) => f.path),
        );
        const written = await writeDataFiles(conn, storage, snapshot, `SELECT * FROM ${buildScanSql(storage, snapshot, bin)}`, { targetFileSize: target });
        adds.push(...written.map((a) => ({ ...a, dataChange: false })));
        compacted.push(...bin);
      }
      bin = [];
      binBytes = 0;
    };
    for (const file of files) {
      bin.push(file);
      binBytes += file.size;
      if (binBytes >= target) await flush();
    }
    await flush();
  }
  const removes = compacted.map((f) => ({ ...removeFor(f, now), dataChange: false }));
  return {
    written: adds,
    result: { filesAdded: adds.length, filesRemoved: removes.length, rowsWritten: rowsIn(adds) },
    pending: {
      readVersion: snapshot.version,
      operation: 'OPTIMIZE',
      operationParameters: { targetSize: target, minFiles },
      operationMetrics: {
        numFilesAdded: adds.length,
        numFilesRemoved: removes.length,
        filesAdded: JSON.stringify({ totalSize: adds.reduce((s, a) => s + a.size, 0) }),
        filesRemoved: JSON.stringify({ totalSize: compacted.reduce((s, a) => s + a.size, 0) }),
      },
      actions: [...removes.map((remove) => ({ remove })), ...adds.map((add) => ({ add }))],
      read: { readFiles: new Set(compacted.map(fileKey)), readsData: false },
      isBlindAppend: false,
    },
  };
}
