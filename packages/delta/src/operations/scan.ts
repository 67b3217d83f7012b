// Builds the DuckDB table expression for a snapshot's live rows: read_parquet over the live files
// (one call per partition tuple, partition values added as typed literals), every column cast to
// the table type, in schema order, under its logical name. Hive partition discovery is off:
// partition values come only from the log. Column mapping: columns, nested fields and partition
// values are looked up by physical name (mode name) or by Parquet field_id (mode id, one SELECT per
// file, from the file's schema the snapshot loaded). Deletion vectors: a file with a DV gets its
// own SELECT that keeps only rows whose `file_row_number` is not in the DV. A file with a DV the
// layout cannot resolve is refused, never read whole. A row selection (the change feed) overrides
// that: only the listed rows, or all but them. Columns no file of a group is known to hold (see
// column-presence.ts) read as NULL. No files yields a typed empty SELECT.
import { DeltaError } from '../errors.ts';
import type { AddAction } from '../actions/types.ts';
import type { DeltaField, DeltaSchema } from '../schema/types.ts';
import { quoteIdent, quoteLiteral, toDuckDbType } from '../schema/duckdb-types.ts';
import type { Storage } from '../storage/storage.ts';
import { resolveDataFile } from '../storage/paths.ts';
import {
  idResolver,
  logicalExpr,
  nameResolver,
  physicalName,
  type ColumnMappingMode,
  type FieldResolver,
  type ParquetNode,
} from '../column-mapping/column-mapping.ts';
import { keepRowsCondition, rowsCondition } from '../deletion-vectors/load.ts';
import { unprovenColumns } from './column-presence.ts';

export interface ScanLayout {
  schema: DeltaSchema;
  partitionColumns: string[];
  /** Column mapping mode of the table (default none). */
  readonly columnMapping?: ColumnMappingMode;
  /** Row indexes deleted by a file's deletion vector (loaded with the snapshot). */
  deletedRows?(file: AddAction): readonly number[] | undefined;
  /** Parquet schema of a data file (column mapping mode id only). */
  parquetSchema?(file: AddAction): ParquetNode | undefined;
  /** Rows to read of a file instead of its deletion vector's complement: only these, or all but these. */
  rowSelection?(file: AddAction): RowSelection | undefined;
}
export type RowSelection = { only: readonly number[] } | { except: readonly number[] };
export const FILE_COLUMN = '__delta_file';
export const ROW_COLUMN = '__delta_row';

export interface ScanOptions {
  /** Add a `__delta_file` column holding the add path of each row's file. */
  withFile?: boolean;
  /** Add a `__delta_row` column: the row's position in its parquet file. */
  withRowNumber?: boolean;
  /**
   * Read every physical row, deleted or not (the caller filters the rows it keeps by `__delta_file`
   * and `__delta_row`, see `deletedRowsCondition`): a merge joins first and drops deleted matches
   * after, instead of testing every row of every file against its vector.
   */
  ignoreDeletionVectors?: boolean;
}

function partitionLiteral(field: DeltaField, value: string | null | undefined): string {
  const type = toDuckDbType(field.type);
  if (value === null || value === undefined || value === '') return `CAST(NULL AS ${type})`;
  if (field.type === 'timestamp' && !/(Z|[+-]\d{2}(:?\d{2})?)$/.test(value)) {
    return `CAST(${quoteLiteral(`${value}+00`)} AS ${type})`; // zone-less values are read as UTC
  }
  if (field.type === 'binary') return `encode(${quoteLiteral(value)})`; // the string's bytes, no escapes
  return `CAST(${quoteLiteral(value)} AS ${type})`;
}

export function emptySelect(schema: DeltaSchema, withFile = false): string {
  const cols = schema.fields.map((f) => `CAST(NULL AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`);
  if (withFile) cols.push(`CAST(NULL AS VARCHAR) AS ${FILE_COLUMN}`);
  return `(SELECT ${cols.join(', ')} WHERE false)`;
}

export function buildScanSql(storage: Storage, layout: ScanLayout, files: AddAction[], options: ScanOptions = {}): string {
  if (files.length === 0) {
    if (!options.withRowNumber) return emptySelect(layout.schema, options.withFile);
    return `(SELECT *, CAST(NULL AS BIGINT) AS ${ROW_COLUMN} FROM ${emptySelect(layout.schema, options.withFile)})`;
  }
  const mode = layout.columnMapping ?? 'none';
  const partitionSet = new Set(layout.partitionColumns);
  const groups = new Map<string, AddAction[]>();
  for (const file of files) {
    // Files read alone: those with a DV (row filter) and, in id mode, every file (own schema).
    const alone = (file.deletionVector && !options.ignoreDeletionVectors) || mode === 'id' || layout.rowSelection?.(file);
    const key = alone
      ? `\u0000${file.path}`
      : JSON.stringify(layout.partitionColumns.map((c) => file.partitionValues?.[partitionKey(layout, c, mode)] ?? null));
    const list = groups.get(key);
    if (list) list.push(file);
    else groups.set(key, [file]);
  }
  const selects: string[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const uris = group.map((f) => quoteLiteral(resolveDataFile(storage, f.path)));
    const resolver: FieldResolver = mode === 'id' ? idResolver(parquetSchemaOf(layout, first)) : nameResolver(mode);
    const cols = layout.schema.fields.map((f) => {
      if (partitionSet.has(f.name)) return `${partitionLiteral(f, first.partitionValues?.[physicalName(f, mode)])} AS ${quoteIdent(f.name)}`;
      const hit = resolver.child(f);
      const expr = hit ? logicalExpr(quoteIdent(hit.name), f.type, hit.sub) : 'NULL';
      return `CAST(${expr} AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`;
    });
    let fileArg = '';
    if (options.withFile) {
      // Map the engine file name back to the log path.
      const cases = group.map((f, i) => `WHEN ${uris[i]} THEN ${quoteLiteral(f.path)}`).join(' ');
      cols.push(group.length === 1 ? `${quoteLiteral(first.path)} AS ${FILE_COLUMN}` : `CASE ${FILE_COLUMN} ${cases} END AS ${FILE_COLUMN}`);
      fileArg = `, filename = '${FILE_COLUMN}'`;
    }
    let where = '';
    const selection = layout.rowSelection?.(first);
    if (selection) {
      where = ` WHERE ${'only' in selection ? rowsCondition('file_row_number', [...selection.only]) : keepRowsCondition('file_row_number', [...selection.except])}`;
    } else if (first.deletionVector && !options.ignoreDeletionVectors) {
      const deleted = layout.deletedRows?.(first);
      if (!deleted) {
        throw new DeltaError('DELTA_UNSUPPORTED', `Data file ${first.path} has a deletion vector that was not loaded for this scan`, {
          context: { feature: 'deletionVectors', path: first.path },
        });
      }
      where = ` WHERE ${keepRowsCondition('file_row_number', [...deleted])}`;
    }
    if (options.withRowNumber) cols.push(`file_row_number AS ${ROW_COLUMN}`);
    if (options.withRowNumber || where) fileArg += ', file_row_number = true';
    const hasDataColumns = layout.schema.fields.some((f) => !partitionSet.has(f.name));
    let source = `read_parquet([${uris.join(', ')}], hive_partitioning = false, union_by_name = ${hasDataColumns ? 'true' : 'false'}${fileArg})`;
    if (mode !== 'id') {
      const physical = layout.schema.fields.filter((f) => !partitionSet.has(f.name)).map((f) => physicalName(f, mode));
      const unproven = unprovenColumns(group, physical);
      if (unproven.length > 0)
        source = `(SELECT * FROM ${source} UNION ALL BY NAME SELECT ${unproven.map((n) => `NULL AS ${quoteIdent(n)}`).join(', ')} WHERE false)`;
    }
    selects.push(`SELECT ${cols.join(', ')} FROM ${source}${where}`);
  }
  return `(${selects.join(' UNION ALL ')})`;
}

/**
 * For rows of a scan with `ignoreDeletionVectors`: a condition over their file path and row number
 * (the scan's `__delta_file` and `__delta_row`, under whatever names) that is true for the rows the
 * files' deletion vectors delete.
 */
export function deletedRowsCondition(layout: ScanLayout, files: AddAction[], fileColumn: string, rowColumn: string): string {
  const cases: string[] = [];
  for (const file of files) {
    if (!file.deletionVector) continue;
    const deleted = layout.deletedRows?.(file);
    if (!deleted) {
      throw new DeltaError('DELTA_UNSUPPORTED', `Data file ${file.path} has a deletion vector that was not loaded for this scan`, {
        context: { feature: 'deletionVectors', path: file.path },
      });
    }
    cases.push(`WHEN ${quoteLiteral(file.path)} THEN ${rowsCondition(rowColumn, [...deleted])}`);
  }
  return cases.length === 0 ? 'false' : `(CASE ${fileColumn} ${cases.join(' ')} ELSE false END)`;
}

function partitionKey(layout: ScanLayout, column: string, mode: ColumnMappingMode): string {
  const field = layout.schema.fields.find((f) => f.name === column);
  return field ? physicalName(field, mode) : column;
}

function parquetSchemaOf(layout: ScanLayout, file: AddAction): ParquetNode {
  const node = layout.parquetSchema?.(file);
  if (!node) {
    throw new DeltaError('DELTA_UNSUPPORTED', `Data file ${file.path} needs column mapping by field id, but its Parquet schema was not loaded`, {
      context: { feature: 'columnMapping', path: file.path },
    });
  }
  return node;
}
