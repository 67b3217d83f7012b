import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'v', type: 'string' as const, nullable: true },
    { name: 'p', type: 'string' as const, nullable: true },
  ],
};

test('a CDF table gets writer version 4; merge, update and delete write cdc files, appends none', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns: ['p'], properties: { 'delta.enableChangeDataFeed': 'true' } });
  assert.deepEqual(table.snapshot.protocol, { minReaderVersion: 1, minWriterVersion: 4 });
  await table.append(conn, `SELECT * FROM (VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'x')) AS s(id, v, p)`); // v1
  await table.merge(conn, {
    sourceSql: `SELECT * FROM (VALUES (2, 'B', 'y'), (4, 'd', 'x')) AS s(id, v, p)`,
    on: ['id'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  }); // v2
  await table.delete(conn, 'id = 1'); // v3
  const u = await table.update(conn, { set: { v: `upper(t.v)` }, where: 't.id = 3' }); // v4
  assert.equal(u.rowsUpdated, 1);
  await table.merge(conn, { sourceSql: `SELECT 4 AS id`, on: ['id'], whenMatched: [{ action: 'delete' }] }); // v5

  const log = await readdir(path.join(dir, '_delta_log'));
  const commits = await Promise.all(
    log
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map(async (n) => (await import('node:fs/promises')).readFile(path.join(dir, '_delta_log', n), 'utf8')),
  );
  assert.equal(commits[1].includes('"cdc"'), false, 'append writes no cdc');
  for (const v of [2, 3, 4, 5]) assert.ok(commits[v].includes('"cdc":{"path":"_change_data/p='), `commit ${v} has cdc`);

  const changes = (await table.changes(0))
    .map((r) => ({ id: Number(r.id), v: r.v, p: r.p, type: r._change_type, version: Number(r._commit_version) }))
    .sort((a, b) => a.version - b.version || a.id - b.id || String(a.type).localeCompare(String(b.type)));
  assert.deepEqual(changes, [
    { id: 1, v: 'a', p: 'x', type: 'insert', version: 1 },
    { id: 2, v: 'b', p: 'y', type: 'insert', version: 1 },
    { id: 3, v: 'c', p: 'x', type: 'insert', version: 1 },
    { id: 2, v: 'B', p: 'y', type: 'update_postimage', version: 2 },
    { id: 2, v: 'b', p: 'y', type: 'update_preimage', version: 2 },
    { id: 4, v: 'd', p: 'x', type: 'insert', version: 2 },
    { id: 1, v: 'a', p: 'x', type: 'delete', version: 3 },
    { id: 3, v: 'C', p: 'x', type: 'update_postimage', version: 4 },
    { id: 3, v: 'c', p: 'x', type: 'update_preimage', version: 4 },
    { id: 4, v: 'd', p: 'x', type: 'delete', version: 5 },
  ]);
  // a sub-range, and a typed timestamp column
  const sub = await rows(
    conn,
    `SELECT count(*)::INT AS n, min(_commit_version)::INT AS lo, typeof(any_value(_commit_timestamp)) AS ty FROM ${await table.changesSql(3, 4)}`,
  );
  assert.deepEqual(sub, [{ n: 3, lo: 3, ty: 'TIMESTAMP WITH TIME ZONE' }]);
  // data is unchanged by the feed
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, v FROM ${table.scanSql()} ORDER BY id`), [
    { id: 2, v: 'B' },
    { id: 3, v: 'C' },
  ]);
});

test('changes() refuses a table without the feed and a bad range', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  assert.deepEqual(table.snapshot.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
  await table.append(conn, `SELECT 1 AS id`);
  await table.delete(conn, 'id = 1');
  assert.ok(!(await readdir(dir)).includes('_change_data'));
  await assert.rejects(table.changes(0), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /not enabled/.test(e.message));
  await assert.rejects(table.changes(1, 9), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /Invalid change data range/.test(e.message));
});

test('a whole-file overwrite on a CDF table reads as deletes and inserts', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.enableChangeDataFeed': 'true' } });
  await table.append(conn, `SELECT 1 AS id, 'a' AS v`);
  await table.overwrite(conn, `SELECT 2 AS id, 'b' AS v`);
  const got = (await table.changes(2)).map((r) => `${r._change_type}:${r.id}`).sort();
  assert.deepEqual(got, ['delete:1', 'insert:2']);
});

test('a table whose property says CDF but whose protocol predates it is refused by changes() and gets no cdc files', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  // an older writer set the property without upgrading the protocol: rewrite version 0 that way
  const { readFile, writeFile } = await import('node:fs/promises');
  const v0 = path.join(dir, '_delta_log', '00000000000000000000.json');
  await writeFile(v0, (await readFile(v0, 'utf8')).replace('"configuration":{}', '"configuration":{"delta.enableChangeDataFeed":"true"}'));
  const old = await DeltaTable.open(dir);
  assert.equal(old.snapshot.properties['delta.enableChangeDataFeed'], 'true');
  await old.append(conn, `SELECT 1 AS id, 'a' AS v`);
  await old.delete(conn, 'id = 1');
  assert.ok(!(await readdir(dir)).includes('_change_data'));
  await assert.rejects(old.changes(1), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /predates the feature/.test(e.message));
  assert.equal(table.location, old.location);
});
