// A private in-memory DuckDB used for log-only work (reading and writing checkpoints), so that
// opening a table does not need the caller's connection. Created lazily, shared per process.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let pending: Promise<DuckDBConnection> | undefined;

export function internalConnection(): Promise<DuckDBConnection> {
  pending ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return conn;
  })();
  return pending;
}

/** Serialise use of the shared connection (one statement sequence at a time). */
let queue: Promise<unknown> = Promise.resolve();
export function withInternalConnection<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const run = queue.then(async () => work(await internalConnection()));
  queue = run.catch(() => undefined);
  return run;
}
