// Child process for the concurrency test: appends `count` one-row commits to the table at argv[2],
// each carrying txn {appId: argv[3], version: i}.
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../index.ts';

const [location, appId, countText] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const table = await DeltaTable.open(location, { maxCommitAttempts: 200 });
for (let i = 1; i <= Number(countText); i++) {
  await table.append(conn, `SELECT ${i} AS n, '${appId}' AS writer`, { txns: [{ appId, version: i }] });
}
conn.closeSync();
instance.closeSync();
