// The harness both object-store benches share: a temp folder, one DuckDB, the loopback S3 (moto) and
// Azure (Azurite) servers, each target benched in turn into one markdown table, everything stopped
// and removed after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { startStore, type StoreServer } from '../test/helpers/object-stores.ts';

export interface StoreBench<T extends { name: string }> {
  /** Prefix of the temp folder. */
  prefix: string;
  /** The table's header and separator lines. */
  header: string[];
  targets: (servers: { s3: StoreServer; azure: StoreServer; root: string }) => Promise<T[]>;
  /** Rows of the table for one target, working under `dir`. */
  bench: (conn: DuckDBConnection, target: T, dir: string) => Promise<string[]>;
}

export async function runOnStores<T extends { name: string }>(spec: StoreBench<T>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), spec.prefix));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const servers: StoreServer[] = [];
  try {
    const s3 = await startStore('s3');
    servers.push(s3);
    const azure = await startStore('azure');
    servers.push(azure);
    const lines = [...spec.header];
    for (const target of await spec.targets({ s3, azure, root })) {
      lines.push(...(await spec.bench(conn, target, path.join(root, target.name.replace(/\W+/g, '-')))));
      console.error(`  ${target.name} done`);
    }
    console.log(lines.join('\n'));
  } finally {
    conn.closeSync();
    db.closeSync();
    for (const s of servers) await s.stop();
    await rm(root, { recursive: true, force: true });
  }
}
