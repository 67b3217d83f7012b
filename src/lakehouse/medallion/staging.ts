// Moves a batch from JS into DuckDB temp tables through the appender (no SQL text per row), as
// text and integers; the Delta writers cast to the table types in SQL, where the casts are exact
// (decimal strings to DECIMAL, ISO-8601 strings to TIMESTAMPTZ).
import type { DuckDBConnection } from '@duckdb/node-api';

export type StageType = 'VARCHAR' | 'BIGINT' | 'INTEGER';
export type StageValue = string | number | bigint | null;

export interface StageColumn {
  name: string;
  type: StageType;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function stageRows(conn: DuckDBConnection, table: string, columns: StageColumn[], rows: StageValue[][]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`);
  if (rows.length === 0) return;
  const appender = await conn.createAppender(table);
  try {
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) {
        const value = row[i];
        if (value === null || value === undefined) appender.appendNull();
        else if (columns[i].type === 'VARCHAR') appender.appendVarchar(String(value));
        else if (columns[i].type === 'BIGINT') appender.appendBigInt(BigInt(value));
        else appender.appendInteger(Number(value));
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
