// The medallion writer's DuckDB: one in-memory instance for merges, compaction and Gold. Its memory
// is bounded (LAKEHOUSE_MEMORY_LIMIT) and what does not fit spills under DATA_DIR, never into the
// working directory (DuckDB's default `.tmp`).
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '@shori/delta';

export async function openWriterDb(dataDir: string, memoryLimit?: string): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run(`SET temp_directory = ${quoteLiteral(join(dataDir, 'tmp', 'duckdb'))}`);
  if (memoryLimit) await conn.run(`SET memory_limit = ${quoteLiteral(memoryLimit)}`);
  return { db, conn };
}
