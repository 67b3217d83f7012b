// Test helpers: a fresh temp table directory and a DuckDB connection per test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export async function tempDir(t: { after: (fn: () => Promise<void> | void) => void }, prefix = 'delta-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `shori-${prefix}`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function duck(t: { after: (fn: () => Promise<void> | void) => void }): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  t.after(() => {
    conn.closeSync();
    instance.closeSync();
  });
  return conn;
}

export async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}
