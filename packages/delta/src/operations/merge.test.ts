import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaTable, type DeltaSchema } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema: DeltaSchema = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false },
    { name: 'v', type: 'string', nullable: true },
    { name: 'region', type: 'string', nullable: true },
  ],
};

async function fiveFiles(t: Parameters<typeof tempDir>[0], partitionColumns: string[] = []) {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns });
  for (let f = 0; f < 5; f++) {
    await table.append(
      conn,
      `SELECT range AS id, 'v' || range AS v, CASE WHEN range % 2 = 0 THEN 'eu' ELSE 'us' END AS region FROM range(${f * 100}, ${f * 100 + 100})`,
    );
  }
  return { table, conn };
}

test('merge rewrites only files holding matched rows and keeps their other rows', async (t) => {
  const { table, conn } = await fiveFiles(t);
  assert.equal(table.snapshot.files.length, 5);
  const before = new Set(table.snapshot.files.map((f) => f.path));
  const r = await table.merge(conn, {
    sourceSql: `SELECT * FROM (VALUES (150, 'changed', 'us'), (151, 'changed', 'us'), (1000, 'new', 'eu')) s(id, v, region)`,
    on: ['id'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  assert.equal(r.filesRemoved, 1);
  assert.equal(r.rowsUpdated, 2);
  assert.equal(r.rowsInserted, 1);
  const after = table.snapshot.files.map((f) => f.path);
  assert.equal(after.filter((p) => before.has(p)).length, 4, 'four files untouched');
  const all = await rows(conn, `SELECT count(*)::INT AS n, count(*) FILTER (WHERE v = 'changed')::INT AS c FROM ${table.scanSql()}`);
  assert.deepEqual(all, [{ n: 501, c: 2 }]);
  const history = await table.history(1);
  const metrics = history[0].operationMetrics as Record<string, number>;
  assert.equal(metrics.numTargetFilesScanned, 1, 'pruning by key stats left one candidate');
  assert.equal(metrics.numTargetFilesRemoved, 1);
  assert.equal(metrics.numTargetRowsCopied, 98);
});

test('merge with no matching keys removes nothing', async (t) => {
  const { table, conn } = await fiveFiles(t);
  const r = await table.merge(conn, {
    sourceSql: `SELECT 7000 AS id, 'x' AS v, 'eu' AS region`,
    on: ['id'],
    whenMatched: [{ action: 'delete' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  assert.equal(r.filesRemoved, 0);
  assert.equal(r.filesAdded, 1);
});

test('merge on a partitioned table prunes by partition value and keeps conditions', async (t) => {
  const { table, conn } = await fiveFiles(t, ['region']);
  assert.equal(table.snapshot.files.length, 10);
  const r = await table.merge(conn, {
    sourceSql: `SELECT * FROM (VALUES (2, 'upd', 'eu', false), (4, 'gone', 'eu', true), (3, 'skip', 'us', false)) s(id, v, region, del)`,
    on: ['id', 'region'],
    whenMatched: [
      { condition: 's.del', action: 'delete' },
      { condition: "s.v <> 'skip'", action: 'update' },
    ],
  });
  assert.equal(r.filesRemoved, 1); // only the eu file of the first batch; id 3 matched but no clause applied
  assert.deepEqual([r.rowsUpdated, r.rowsDeleted, r.rowsInserted], [1, 1, 0]);
  const got = await rows(conn, `SELECT id::INT AS id, v, region FROM ${table.scanSql()} WHERE id < 5 ORDER BY id`);
  assert.deepEqual(got, [
    { id: 0, v: 'v0', region: 'eu' },
    { id: 1, v: 'v1', region: 'us' },
    { id: 2, v: 'upd', region: 'eu' },
    { id: 3, v: 'v3', region: 'us' },
  ]);
});

test('merge refuses a source with duplicate keys', async (t) => {
  const { table, conn } = await fiveFiles(t);
  await assert.rejects(
    table.merge(conn, { sourceSql: `SELECT * FROM (VALUES (1, 'a', 'eu'), (1, 'b', 'eu')) s(id, v, region)`, on: ['id'], whenMatched: [{ action: 'update' }] }),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /deduplicate/.test(e.message),
  );
});

test('merge writes its predicates as Spark does: JSON-encoded strings, never arrays', async (t) => {
  const { table, conn } = await fiveFiles(t);
  await table.merge(conn, {
    sourceSql: `SELECT 150 AS id, 'changed' AS v, 'us' AS region`,
    on: ['id'],
    whenMatched: [{ action: 'update', condition: "s.v <> 'x'" }],
    whenNotMatched: [{ action: 'insert' }],
  });
  const [entry] = await table.history(1);
  const params = entry.operationParameters as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) assert.equal(typeof value, 'string', `operationParameters.${key} is a ${typeof value}`);
  assert.deepEqual(JSON.parse(params.matchedPredicates as string), [{ actionType: 'update', predicate: "s.v <> 'x'" }]);
  assert.deepEqual(JSON.parse(params.notMatchedPredicates as string), [{ actionType: 'insert' }]);
  assert.equal(params.notMatchedBySourcePredicates, '[]');
});
