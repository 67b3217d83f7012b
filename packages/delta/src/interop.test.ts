// Interop with delta-rs (Python `deltalake`), an independent Delta implementation: it must read
// the tables we write (rows, version, txn) and we must read what it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from './index.ts';
import { duck, rows, tempDir } from './test-support/fixtures.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function python(t: { skip: (msg: string) => void }): Promise<string | undefined> {
  try {
    const { stdout } = await run('bash', [path.join(repo, 'scripts/ensure-python-deps.sh')], { timeout: 600_000 });
    return stdout.trim().split('\n').pop();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    t.skip(`deltalake not installable here: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

const READ_SCRIPT = `
import os, sys, json, deltalake
dt = deltalake.DeltaTable(sys.argv[1])
t = dt.to_pyarrow_table()
rows = sorted(t.to_pylist(), key=lambda r: r["id"])
out = {"version": dt.version(), "rows": [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows],
       "txn": dt.transaction_version("job")}
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)  # skip interpreter teardown: pyarrow/deltalake thread pools sometimes abort there
`;

test('delta-rs reads the table we wrote (partitioned, decimal, timestamp, after merge/delete/checkpoint)', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: {
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: false },
        { name: 'name', type: 'string', nullable: true },
        { name: 'amount', type: 'decimal(10,2)', nullable: true },
        { name: 'ts', type: 'timestamp', nullable: true },
        { name: 'region', type: 'string', nullable: true },
      ],
    },
    partitionColumns: ['region'],
    properties: { 'delta.checkpointInterval': '3' },
  });
  await table.append(
    conn,
    `SELECT range AS id, 'n' || range AS name, range * 1.25 AS amount, TIMESTAMPTZ '2024-05-01 12:00:00+00' + to_minutes(range) AS ts, CASE WHEN range % 2 = 0 THEN 'eu west' ELSE NULL END AS region FROM range(6)`,
  );
  await table.merge(conn, {
    sourceSql: `SELECT 1 AS id, 'one' AS name, 9.5 AS amount, NULL::TIMESTAMPTZ AS ts, NULL AS region UNION ALL SELECT 10, 'ten', 1, NULL, 'us'`,
    on: ['id'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  await table.delete(conn, 'id = 4', { txns: [{ appId: 'job', version: 9 }] });
  const ours = await rows(
    conn,
    `SELECT id::VARCHAR AS id, name, amount::VARCHAR AS amount, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS ts, region FROM ${table.scanSql()} ORDER BY id::BIGINT`,
  );
  const { stdout } = await run(py, ['-c', READ_SCRIPT, dir]);
  const theirs = JSON.parse(stdout) as { version: number; rows: Array<Record<string, string | null>>; txn: number | null };
  assert.equal(theirs.version, table.snapshot.version);
  const normalized = theirs.rows.map((r) => ({ id: r.id, name: r.name, amount: r.amount, ts: r.ts ? r.ts.slice(0, 19) : null, region: r.region }));
  assert.deepEqual(normalized, ours);
  assert.equal(ours.length, 6);
  assert.equal(theirs.txn, 9);
});

test('we read a table delta-rs wrote', async (t) => {
  const py = await python(t);
  if (!py) return;
  const dir = await tempDir(t);
  const conn = await duck(t);
  const write = `
import sys, pyarrow as pa, deltalake
from decimal import Decimal
t = pa.table({"id": pa.array([3, 1, 2], pa.int64()), "s": ["c", None, "b"], "d": pa.array([Decimal("1.50"), None, Decimal("-2.25")], pa.decimal128(8, 2)), "p": ["x", "y", "x"]})
deltalake.write_deltalake(sys.argv[1], t, partition_by=["p"])
deltalake.write_deltalake(sys.argv[1], t.slice(0, 1), mode="append", partition_by=["p"])
import os; os._exit(0)
`;
  await run(py, ['-c', write, dir]);
  const table = await DeltaTable.open(dir);
  assert.equal(table.snapshot.version, 1);
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, s, d::VARCHAR AS d, p FROM ${table.scanSql()} ORDER BY id, p`), [
    { id: 1, s: null, d: null, p: 'y' },
    { id: 2, s: 'b', d: '-2.25', p: 'x' },
    { id: 3, s: 'c', d: '1.50', p: 'x' },
    { id: 3, s: 'c', d: '1.50', p: 'x' },
  ]);
  await table.append(conn, `SELECT 4 AS id, 'd' AS s, 4 AS d, 'z' AS p`);
  const { stdout } = await run(py, [
    '-c',
    'import os, sys, deltalake; print(deltalake.DeltaTable(sys.argv[1]).to_pyarrow_table().num_rows, flush=True); os._exit(0)',
    dir,
  ]);
  assert.equal(Number(stdout.trim()), 5);
});
