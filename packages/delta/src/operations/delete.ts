// DELETE WHERE predicate, copy-on-write. First find which live files hold a matching row
// (DuckDB pushes the predicate into the parquet row-group statistics); only those are rewritten
// without the matching rows (a file left empty is just removed). Untouched files stay as they are.
// On a Change Data Feed table the deleted rows are also written as `delete` change data.
import type { DuckDBConnection } from '@duckdb/node-api';
import { fileKey } from '../actions/types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';
import { buildScanSql, FILE_COLUMN } from './scan.ts';
import { prepareDataFiles } from '../storage/paths.ts';
import { removeFor, rowsIn, txnActions, type OperationPlan, type WriteOptions } from './types.ts';
import { assertNotAppendOnly } from './write.ts';
import { asActions, cdfEnabled, writeChangeFiles, CHANGE_TYPE_COLUMN, type ChangeFiles } from './cdf-write.ts';

export async function planDelete(conn: DuckDBConnection, storage: Storage, snapshot: TableSnapshot, predicateSql: string, options: WriteOptions = {}): Promise<OperationPlan> {
  const now = Date.now();
  let touched: typeof snapshot.files = [];
  let deleted = 0;
  let adds: typeof snapshot.files = [];
  let cdc: ChangeFiles = { actions: [], files: [] };
  if (snapshot.files.length > 0) {
    await prepareDataFiles(storage, snapshot.files.map((f) => f.path));
    const all = buildScanSql(storage, snapshot, snapshot.files, { withFile: true });
    const hits = (await conn.runAndReadAll(`SELECT DISTINCT ${FILE_COLUMN} FROM ${all} AS t WHERE (${predicateSql})`)).getRows().map((r) => String(r[0]));
    const hitSet = new Set(hits);
    touched = snapshot.files.filter((f) => hitSet.has(f.path));
    if (touched.length > 0) {
      assertNotAppendOnly(snapshot, 'delete');
      const scan = buildScanSql(storage, snapshot, touched);
      deleted = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${scan} AS t WHERE (${predicateSql}) IS TRUE`)).getRows()[0][0]);
      adds = await writeDataFiles(conn, storage, snapshot, `SELECT * FROM ${scan} AS t WHERE (${predicateSql}) IS NOT TRUE`);
      if (deleted > 0 && cdfEnabled(snapshot)) {
        cdc = await writeChangeFiles(conn, storage, snapshot, `SELECT *, 'delete' AS ${CHANGE_TYPE_COLUMN} FROM ${scan} AS t WHERE (${predicateSql}) IS TRUE`);
      }
    }
  }
  const removes = touched.map((f) => removeFor(f, now));
  const copied = rowsIn(adds);
  return {
    written: [...adds, ...cdc.files],
    result: { filesAdded: adds.length, filesRemoved: removes.length, rowsWritten: copied, rowsDeleted: deleted },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'DELETE',
      operationParameters: options.operationParameters ?? { predicate: predicateSql },
      operationMetrics: { numRemovedFiles: removes.length, numAddedFiles: adds.length, numDeletedRows: deleted, numCopiedRows: copied },
      actions: [...txnActions(options.txns, now), ...removes.map((remove) => ({ remove })), ...adds.map((add) => ({ add })), ...asActions(cdc)],
      read: { readFiles: new Set(snapshot.files.map(fileKey)), readsData: true },
      isBlindAppend: false,
    },
  };
}
