// Rows of a query over a Delta table's current version on a given DuckDB connection (one connection
// for many reads, where test/helpers/lake.ts opens a DuckDB per query).
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '@shori/delta';
import type { TextRow } from './lake.ts';

export async function queryOn(conn: DuckDBConnection, tableDir: string, select: (scan: string) => string): Promise<TextRow[]> {
  const table = await DeltaTable.open(tableDir);
  return (await conn.runAndReadAll(select(table.scanSql()))).getRowObjectsJson() as TextRow[];
}
