import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { DeltaTable, type DeltaSchema } from './index.ts';
import { isDeltaError } from './errors.ts';
import { duck, rows, tempDir } from './test-support/fixtures.ts';

const schema: DeltaSchema = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'amount', type: 'decimal(10,2)', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: true },
  ],
};

test('create, append, overwrite, delete, merge give row-exact results', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  assert.equal(table.snapshot.version, 0);
  assert.equal(await rows(conn, `SELECT count(*)::INT AS n FROM ${table.scanSql()}`).then((r) => r[0].n), 0);

  const r1 = await table.append(
    conn,
    `SELECT range AS id, 'n' || range AS name, range * 1.5 AS amount, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range) AS ts FROM range(10)`,
    { txns: [{ appId: 'topic-0', version: 41 }] },
  );
  assert.equal(r1.version, 1);
  assert.equal(r1.rowsWritten, 10);
  assert.equal(table.snapshot.txnVersion('topic-0'), 41);

  const d = await table.delete(conn, 'id >= 8');
  assert.equal(d.rowsDeleted, 2);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n, max(id)::INT AS m FROM ${table.scanSql()}`), [{ n: 8, m: 7 }]);

  const m = await table.merge(conn, {
    sourceSql: `SELECT * FROM (VALUES (1, 'upd', 9.99, NULL::TIMESTAMPTZ, false), (2, 'x', 0, NULL::TIMESTAMPTZ, true), (100, 'new', 1, NULL::TIMESTAMPTZ, false)) v(id, name, amount, ts, del)`,
    on: ['id'],
    whenMatched: [{ condition: 's.del', action: 'delete' }, { action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  assert.deepEqual([m.rowsUpdated, m.rowsDeleted, m.rowsInserted], [1, 1, 1]);
  const after = await rows(conn, `SELECT id::INT AS id, name, amount::VARCHAR AS amount FROM ${table.scanSql()} ORDER BY id`);
  assert.deepEqual(
    after.map((r) => r.id),
    [0, 1, 3, 4, 5, 6, 7, 100],
  );
  assert.deepEqual(
    after.find((r) => r.id === 1),
    { id: 1, name: 'upd', amount: '9.99' },
  );

  const o = await table.overwrite(conn, `SELECT 5 AS id, 'only' AS name, 1 AS amount, NULL AS ts`);
  assert.equal(o.rowsWritten, 1);
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, name FROM ${table.scanSql()}`), [{ id: 5, name: 'only' }]);

  const reopened = await DeltaTable.open(dir);
  assert.equal(reopened.snapshot.version, table.snapshot.version);
  assert.equal(reopened.snapshot.txnVersion('topic-0'), 41);
  const history = await reopened.history();
  assert.deepEqual(
    history.map((h) => h.operation),
    ['WRITE', 'MERGE', 'DELETE', 'WRITE', 'CREATE TABLE'],
  );
});

test('schema enforcement: missing nullable columns are NULL, NULLs in required columns are refused', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  await table.append(conn, `SELECT 1 AS id, 'a' AS name, 'ignored' AS extra`);
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, name, amount, ts FROM ${table.scanSql()}`), [{ id: 1, name: 'a', amount: null, ts: null }]);
  await assert.rejects(table.append(conn, `SELECT NULL::BIGINT AS id`), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /non-nullable column 'id'/.test(e.message));
  await assert.rejects(table.append(conn, `SELECT 'x' AS name`), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /no column 'id'/.test(e.message));
  assert.equal(table.snapshot.version, 1);
  const files = (await readdir(dir)).filter((n) => n.endsWith('.parquet'));
  assert.equal(files.length, 1, 'refused writes left no data files behind');
  // A delete-only merge may pass just the key columns.
  const m = await table.merge(conn, { sourceSql: 'SELECT 1 AS id', on: ['id'], whenMatched: [{ action: 'delete' }] });
  assert.equal(m.rowsDeleted, 1);
  assert.equal(table.snapshot.numRows, 0);
});

test('a write with nothing to change and no txns makes no commit', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  const r = await table.append(conn, `SELECT 1 AS id WHERE false`);
  assert.deepEqual([r.committed, r.version, r.filesAdded], [false, 0, 0]);
  const withTxn = await table.append(conn, `SELECT 1 AS id WHERE false`, { txns: [{ appId: 'a', version: 5 }] });
  assert.deepEqual([withTxn.committed, withTxn.version], [true, 1]);
  assert.equal(table.snapshot.txnVersion('a'), 5);
});
