// DELETE WHERE predicate, copy-on-write. First find which live files hold a matching row
// (DuckDB pushes the predicate into the parquet row-group statistics); only those are rewritten
// without the matching rows (a file left empty is just removed). Untouched files stay as they are.
// On a Change Data Feed table the deleted rows are also written as `delete` change data. With
// deletion vectors enabled no file is rewritten: the matching rows are marked deleted in each
// file's vector and, as Spark does, no change data is written (readers derive the deletes).
import type { DuckDBConnection } from '@duckdb/node-api';
import { fileKey } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';
import { buildScanSql, FILE_COLUMN, ROW_COLUMN } from './scan.ts';
import { dvWritable, markDeleted, rowsByFile, type MarkedDeleted } from './mark-deleted.ts';
import { prepareDataFiles } from '../storage/paths.ts';
import { removeFor, rowsIn, txnActions, type OperationPlan, type WriteOptions } from './types.ts';
import { assertNotAppendOnly } from './write.ts';
import { asActions, cdfEnabled, writeChangeFiles, CHANGE_TYPE_COLUMN, type ChangeFiles } from './cdf-write.ts';

export async function planDelete(
  conn: DuckDBConnection,
  storage: Storage,
  snapshot: TableSnapshot,
  predicateSql: string,
  options: WriteOptions = {},
): Promise<OperationPlan> {
  const now = Date.now();
  let touched: typeof snapshot.files = [];
  let deleted = 0;
  let adds: typeof snapshot.files = [];
  let cdc: ChangeFiles = { actions: [], files: [] };
  let marked: MarkedDeleted | undefined;
  if (snapshot.files.length > 0) {
    await prepareDataFiles(
      storage,
      snapshot.files.map((f) => f.path),
    );
    const dv = dvWritable(snapshot);
    const all = buildScanSql(storage, snapshot, snapshot.files, { withFile: true, withRowNumber: dv });
    const matchedRows = dv ? await rowsByFile(conn, `SELECT ${FILE_COLUMN}, ${ROW_COLUMN} FROM ${all} AS t WHERE (${predicateSql}) IS TRUE`) : undefined;
    const hitSet = matchedRows
      ? new Set(matchedRows.keys())
      : new Set((await conn.runAndReadAll(`SELECT DISTINCT ${FILE_COLUMN} FROM ${all} AS t WHERE (${predicateSql})`)).getRows().map((r) => String(r[0])));
    touched = snapshot.files.filter((f) => hitSet.has(f.path));
    if (touched.length > 0 && matchedRows) {
      // Deletion vectors: no data or change-data file; readers derive the deletes from the vectors (as Spark's DELETE).
      assertNotAppendOnly(snapshot, 'delete');
      marked = await markDeleted(storage, snapshot, touched, matchedRows, now);
      deleted = marked.rowsDeleted;
    } else if (touched.length > 0) {
      assertNotAppendOnly(snapshot, 'delete');
      const scan = buildScanSql(storage, snapshot, touched);
      deleted = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${scan} AS t WHERE (${predicateSql}) IS TRUE`)).getRows()[0][0]);
      adds = await writeDataFiles(conn, storage, snapshot, `SELECT * FROM ${scan} AS t WHERE (${predicateSql}) IS NOT TRUE`);
      if (deleted > 0 && cdfEnabled(snapshot)) {
        cdc = await writeChangeFiles(conn, storage, snapshot, `SELECT *, 'delete' AS ${CHANGE_TYPE_COLUMN} FROM ${scan} AS t WHERE (${predicateSql}) IS TRUE`);
      }
    }
  }
  const removes = marked ? marked.removes : touched.map((f) => removeFor(f, now));
  const copied = rowsIn(adds);
  const filesRemoved = marked ? marked.filesRemoved : removes.length;
  return {
    written: [...adds, ...cdc.files, ...(marked?.written ?? [])],
    result: { filesAdded: adds.length, filesRemoved, rowsWritten: copied, rowsDeleted: deleted, deletionVectors: marked?.adds.length ?? 0 },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'DELETE',
      operationParameters: options.operationParameters ?? { predicate: predicateSql },
      operationMetrics: {
        numRemovedFiles: filesRemoved,
        numAddedFiles: adds.length,
        numDeletedRows: deleted,
        numCopiedRows: copied,
        ...(marked
          ? { numDeletionVectorsAdded: marked.vectorsAdded, numDeletionVectorsUpdated: marked.vectorsUpdated, numDeletionVectorsRemoved: marked.vectorsRemoved }
          : {}),
      },
      actions: [
        ...txnActions(options.txns, now),
        ...removes.map((remove) => ({ remove })),
        ...(marked?.adds ?? []).map((add) => ({ add })),
        ...adds.map((add) => ({ add })),
        ...asActions(cdc),
      ],
      read: { readFiles: new Set(snapshot.files.map(fileKey)), readsData: true },
      isBlindAppend: false,
    },
  };
}
