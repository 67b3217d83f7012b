// UPDATE SET col = expr [, ...] WHERE predicate, copy-on-write like delete: the files holding a
// matching row are rewritten with the new values for matching rows and the other rows copied
// unchanged; untouched files stay. With deletion vectors enabled only the matching rows are
// written anew and marked deleted in their files (operations/mark-deleted.ts). `set` values are DuckDB SQL expressions over the row (alias t).
// On a Change Data Feed table each updated row is also written as an update_preimage and an
// update_postimage change row.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from '../errors.ts';
import { fileKey } from '../actions/types.ts';
import { quoteIdent, toDuckDbType } from '../schema/duckdb-types.ts';
import type { Storage } from '../storage/storage.ts';
import type { TableSnapshot } from '../snapshot/snapshot.ts';
import { writeDataFiles } from '../parquet/write-files.ts';
import { buildScanSql, FILE_COLUMN, ROW_COLUMN } from './scan.ts';
import { dvWritable, markDeleted, onlyRows, rowsByFile, type MarkedDeleted } from './mark-deleted.ts';
import { prepareDataFiles } from '../storage/paths.ts';
import { removeFor, rowsIn, txnActions, type OperationPlan, type WriteOptions } from './types.ts';
import { assertNotAppendOnly } from './write.ts';
import { asActions, cdfEnabled, writeChangeFiles, CHANGE_TYPE_COLUMN, type ChangeFiles } from './cdf-write.ts';

export interface UpdateSpec {
  /** Column name → DuckDB SQL expression giving its new value (may reference the row as t). */
  set: Record<string, string>;
  /** DuckDB SQL predicate over the row (alias t); every row when absent. */
  where?: string;
}

export async function planUpdate(
  conn: DuckDBConnection,
  storage: Storage,
  snapshot: TableSnapshot,
  spec: UpdateSpec,
  options: WriteOptions = {},
): Promise<OperationPlan> {
  const setColumns = Object.keys(spec.set);
  if (setColumns.length === 0) throw new DeltaError('DELTA_PROTOCOL', 'update needs at least one column in `set`');
  for (const c of setColumns) {
    if (!snapshot.schema.fields.some((f) => f.name === c))
      throw new DeltaError('DELTA_PROTOCOL', `update sets unknown column '${c}'`, { context: { column: c } });
  }
  const now = Date.now();
  const predicate = spec.where ? `(${spec.where})` : 'true';
  let touched: typeof snapshot.files = [];
  let updated = 0;
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
    const matchedRows = dv ? await rowsByFile(conn, `SELECT ${FILE_COLUMN}, ${ROW_COLUMN} FROM ${all} AS t WHERE ${predicate} IS TRUE`) : undefined;
    const hits = matchedRows
      ? new Set(matchedRows.keys())
      : new Set((await conn.runAndReadAll(`SELECT DISTINCT ${FILE_COLUMN} FROM ${all} AS t WHERE ${predicate}`)).getRows().map((r) => String(r[0])));
    touched = snapshot.files.filter((f) => hits.has(f.path));
    if (touched.length > 0) {
      assertNotAppendOnly(snapshot, 'update');
      // With deletion vectors only the matching rows are read (and written anew); else whole files.
      const scan = buildScanSql(storage, matchedRows ? onlyRows(snapshot, matchedRows) : snapshot, touched);
      updated = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${scan} AS t WHERE ${predicate} IS TRUE`)).getRows()[0][0]);
      const newValue = (name: string, type: string) => `CAST((${spec.set[name]}) AS ${type})`;
      const rewritten = snapshot.schema.fields
        .map((f) => {
          const col = quoteIdent(f.name);
          if (!(f.name in spec.set)) return `t.${col} AS ${col}`;
          return `CASE WHEN ${predicate} IS TRUE THEN ${newValue(f.name, toDuckDbType(f.type))} ELSE t.${col} END AS ${col}`;
        })
        .join(', ');
      adds = await writeDataFiles(conn, storage, snapshot, `SELECT ${rewritten} FROM ${scan} AS t`);
      if (updated > 0 && cdfEnabled(snapshot)) {
        const post = snapshot.schema.fields
          .map((f) => (f.name in spec.set ? `${newValue(f.name, toDuckDbType(f.type))} AS ${quoteIdent(f.name)}` : `t.${quoteIdent(f.name)}`))
          .join(', ');
        cdc = await writeChangeFiles(
          conn,
          storage,
          snapshot,
          `SELECT t.*, 'update_preimage' AS ${CHANGE_TYPE_COLUMN} FROM ${scan} AS t WHERE ${predicate} IS TRUE ` +
            `UNION ALL SELECT ${post}, 'update_postimage' AS ${CHANGE_TYPE_COLUMN} FROM ${scan} AS t WHERE ${predicate} IS TRUE`,
        );
      }
      if (matchedRows) marked = await markDeleted(storage, snapshot, touched, matchedRows, now);
    }
  }
  const removes = marked ? marked.removes : touched.map((f) => removeFor(f, now));
  const written = rowsIn(adds);
  const filesRemoved = marked ? marked.filesRemoved : removes.length;
  return {
    written: [...adds, ...cdc.files, ...(marked?.written ?? [])],
    result: { filesAdded: adds.length, filesRemoved, rowsWritten: written, rowsUpdated: updated, deletionVectors: marked?.adds.length ?? 0 },
    pending: {
      readVersion: snapshot.version,
      operation: options.operation ?? 'UPDATE',
      operationParameters: options.operationParameters ?? { predicate: spec.where ?? 'true' },
      operationMetrics: {
        numRemovedFiles: filesRemoved,
        numAddedFiles: adds.length,
        numUpdatedRows: updated,
        numCopiedRows: Math.max(0, written - updated),
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
