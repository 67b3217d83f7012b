// The medallion writer's DuckDB: one in-memory instance for merges, compaction and Gold. Its memory
// is bounded (LAKEHOUSE_MEMORY_LIMIT) and what does not fit spills under DATA_DIR, never into the
// working directory (DuckDB's default `.tmp`). Its threads (LAKEHOUSE_DUCKDB_THREADS) leave a core to
// the JavaScript main thread, which decodes and stages the next batch while DuckDB writes this one:
// with as many DuckDB threads as cores, the two fight over the same cores.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '@shori/delta';

/** DuckDB threads for a setting: 0 (or none) = the machine's cores minus one, at least 1. */
export function writerThreads(setting = 0): number {
  return setting > 0 ? setting : Math.max(1, availableParallelism() - 1);
}

export async function openWriterDb(dataDir: string, memoryLimit?: string, threads?: number): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run(`SET temp_directory = ${quoteLiteral(join(dataDir, 'tmp', 'duckdb'))}`);
  if (memoryLimit) await conn.run(`SET memory_limit = ${quoteLiteral(memoryLimit)}`);
  await conn.run(`SET threads = ${writerThreads(threads)}`);
  return { db, conn };
}
