// Child process for the concurrency test: `count` upsert merges into the table at argv[2] on the
// writer's own keys (writer = argv[3], n = 1..5): merge j sets v = j on keys j % 5 + 1 and
// (j + 2) % 5 + 1, with txn {appId: argv[3], version: j}.
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../index.ts';

const [location, writer, countText] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const table = await DeltaTable.open(location, { maxCommitAttempts: 200, maxOperationRetries: 50 });
for (let j = 1; j <= Number(countText); j++) {
  const keys = [...new Set([(j % 5) + 1, ((j + 2) % 5) + 1])];
  const sourceSql = keys.map((n) => `SELECT ${n} AS n, '${writer}' AS writer, ${j} AS v`).join(' UNION ALL ');
  await table.merge(
    conn,
    { sourceSql, on: ['writer', 'n'], whenMatched: [{ action: 'update' }], whenNotMatched: [{ action: 'insert' }] },
    { txns: [{ appId: writer, version: j }] },
  );
}
conn.closeSync();
instance.closeSync();
