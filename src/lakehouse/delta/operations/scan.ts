// Builds the DuckDB table expression for a snapshot's live rows: read_parquet over the live files
// (one call per partition tuple, partition values added as typed literals), every column cast to
// the table type, in schema order. Hive partition discovery is off: partition values come only
// from the log. A table without files yields a typed empty SELECT.
import type { AddAction } from '../actions/types.ts';
import type { DeltaField, DeltaSchema } from '../schema/types.ts';
import { quoteIdent, quoteLiteral, toDuckDbType } from '../schema/duckdb-types.ts';
import type { Storage } from '../storage/storage.ts';
import { resolveDataFile } from '../storage/paths.ts';

export interface ScanLayout { schema: DeltaSchema; partitionColumns: string[] }
export const FILE_COLUMN = '__delta_file';
export const ROW_COLUMN = '__delta_row';

export interface ScanOptions {
  /** Add a `__delta_file` column holding the add path of each row's file. */
  withFile?: boolean;
  /** Add a `__delta_row` column: the row's position in its parquet file. */
  withRowNumber?: boolean;
}

function partitionLiteral(field: DeltaField, value: string | null | undefined): string {
  const type = toDuckDbType(field.type);
  if (value === null || value === undefined || value === '') return `CAST(NULL AS ${type})`;
  if (field.type === 'timestamp' && !/(Z|[+-]\d{2}(:?\d{2})?)$/.test(value)) {
    return `CAST(${quoteLiteral(`${value}+00`)} AS ${type})`; // zone-less values are read as UTC
  }
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
  const partitionSet = new Set(layout.partitionColumns);
  const groups = new Map<string, AddAction[]>();
  for (const file of files) {
    const key = JSON.stringify(layout.partitionColumns.map((c) => file.partitionValues?.[c] ?? null));
    const list = groups.get(key);
    if (list) list.push(file); else groups.set(key, [file]);
  }
  const selects: string[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const uris = group.map((f) => quoteLiteral(resolveDataFile(storage, f.path)));
    const cols = layout.schema.fields.map((f) => partitionSet.has(f.name)
      ? `${partitionLiteral(f, first.partitionValues?.[f.name])} AS ${quoteIdent(f.name)}`
      : `CAST(${quoteIdent(f.name)} AS ${toDuckDbType(f.type)}) AS ${quoteIdent(f.name)}`);
    let fileArg = '';
    if (options.withFile) {
      // Map the engine file name back to the log path.
      const cases = group.map((f, i) => `WHEN ${uris[i]} THEN ${quoteLiteral(f.path)}`).join(' ');
      cols.push(group.length === 1 ? `${quoteLiteral(first.path)} AS ${FILE_COLUMN}` : `CASE ${FILE_COLUMN} ${cases} END AS ${FILE_COLUMN}`);
      fileArg = `, filename = '${FILE_COLUMN}'`;
    }
    if (options.withRowNumber) {
      cols.push(`file_row_number AS ${ROW_COLUMN}`);
      fileArg += ', file_row_number = true';
    }
    const hasDataColumns = layout.schema.fields.some((f) => !partitionSet.has(f.name));
    const source = `read_parquet([${uris.join(', ')}], hive_partitioning = false, union_by_name = ${hasDataColumns ? 'true' : 'false'}${fileArg})`;
    selects.push(`SELECT ${cols.join(', ')} FROM ${source}`);
  }
  return `(${selects.join(' UNION ALL ')})`;
}
