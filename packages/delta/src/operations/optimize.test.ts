import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaTable } from '../index.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

test('optimize compacts small files per partition without changing rows', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: {
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: false },
        { name: 'p', type: 'string', nullable: true },
      ],
    },
    partitionColumns: ['p'],
  });
  for (let i = 0; i < 6; i++) await table.append(conn, `SELECT ${i} AS id, CASE WHEN ${i} % 2 = 0 THEN 'a' ELSE 'b' END AS p UNION ALL SELECT ${i + 100}, 'a'`);
  assert.equal(table.snapshot.files.length, 9); // a: 6 files, b: 3 files
  const before = await rows(conn, `SELECT id::INT AS id, p FROM ${table.scanSql()} ORDER BY id`);
  const r = await table.optimize(conn, { minFiles: 3 });
  assert.equal(r.filesRemoved, 9);
  assert.equal(r.filesAdded, 2);
  assert.equal(table.snapshot.files.length, 2);
  assert.ok(table.snapshot.files.every((f) => f.dataChange === false));
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, p FROM ${table.scanSql()} ORDER BY id`), before);
  const again = await table.optimize(conn, { minFiles: 3 });
  assert.equal(again.committed, false);
});

test('optimize bins small files by target size and, with nothing to do, commits nothing', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema: { type: 'struct', fields: [{ name: 'id', type: 'long', nullable: false }] } });
  for (let i = 0; i < 6; i++) await table.append(conn, `SELECT ${i} AS id`);
  const sizes = table.snapshot.files.map((f) => f.size);
  const target = Math.ceil(Math.max(...sizes) * 2.5); // three files fill a bin
  const idle = await table.optimize(conn, { targetFileSize: target, minFiles: 7 });
  assert.equal(idle.committed, false);
  assert.equal(idle.version, 6);
  assert.equal(table.snapshot.version, 6);
  const r = await table.optimize(conn, { targetFileSize: target, minFiles: 2 });
  assert.equal(r.committed, true);
  assert.equal(r.filesRemoved, 6);
  assert.equal(r.filesAdded, 2);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c, sum(id)::INT AS s FROM ${table.scanSql()}`), [{ c: 6, s: 15 }]);
  const history = await table.history(1);
  assert.equal(history[0].operation, 'OPTIMIZE');
});
