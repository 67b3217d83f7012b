import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = { type: 'struct' as const, fields: [{ name: 'n', type: 'long' as const, nullable: false }] };

test('a missing folder or an empty _delta_log is not a table', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(DeltaTable.open(path.join(dir, 'nope')), (e) => isDeltaError(e, 'DELTA_NOT_A_TABLE'));
  await mkdir(path.join(dir, '_delta_log'));
  await assert.rejects(DeltaTable.open(dir), (e) => isDeltaError(e, 'DELTA_NOT_A_TABLE'));
});

test('a corrupt commit or a gap in the log is a clear protocol error', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  await table.append(conn, 'SELECT 1 AS n');
  await table.append(conn, 'SELECT 2 AS n');
  await appendFile(path.join(dir, '_delta_log', '00000000000000000002.json'), '{"add": {oops\n');
  await assert.rejects(DeltaTable.open(dir), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /commit 2 has an invalid JSON line/.test(e.message));
  await rm(path.join(dir, '_delta_log', '00000000000000000001.json'));
  await assert.rejects(DeltaTable.open(dir), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /missing commit 1/.test(e.message));
});

test('paths that escape the table root are refused', async (t) => {
  const dir = await tempDir(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  const add = (p: string) => JSON.stringify({ add: { path: p, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }) + '\n';
  await writeFile(path.join(dir, '_delta_log', '00000000000000000001.json'), add('../outside.parquet'));
  await table.refresh();
  assert.throws(
    () => table.scanSql(),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /escapes/.test(e.message),
  );
  await writeFile(
    path.join(dir, '_delta_log', '00000000000000000002.json'),
    JSON.stringify({ remove: { path: '../outside.parquet', dataChange: true } }) + '\n' + add('/etc/passwd'),
  );
  await table.refresh();
  assert.throws(
    () => table.scanSql(),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL'),
  );
});

test('refresh reads only newer commits; snapshots stay immutable; createIfAbsent races', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const [a, b] = await Promise.all([DeltaTable.createIfAbsent(dir, { schema }), DeltaTable.createIfAbsent(dir, { schema })]);
  assert.equal((await readdir(path.join(dir, '_delta_log'))).filter((n) => n.endsWith('.json')).length, 1);
  const old = b.snapshot;
  await a.append(conn, 'SELECT 7 AS n', { txns: [{ appId: 'p', version: 3 }] });
  const fresh = await b.refresh();
  assert.equal(fresh.version, 1);
  assert.equal(fresh.txnVersion('p'), 3);
  assert.equal(old.version, 0);
  assert.equal(old.files.length, 0);
  assert.deepEqual(await rows(conn, `SELECT n::INT AS n FROM ${b.scanSql()}`), [{ n: 7 }]);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c FROM ${b.scanSql(old)}`), [{ c: 0 }]);
});

test('checkpoint every delta.checkpointInterval commits; reopen works from it alone', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns: [], properties: { 'delta.checkpointInterval': '5' } });
  for (let i = 1; i <= 12; i++) await table.append(conn, `SELECT ${i} AS n`, { txns: [{ appId: 'app', version: i }] });
  await table.delete(conn, 'n = 3');
  assert.equal(table.lastCheckpointError, undefined);
  const log = await readdir(path.join(dir, '_delta_log'));
  assert.ok(log.includes('00000000000000000005.checkpoint.parquet'));
  assert.ok(log.includes('00000000000000000010.checkpoint.parquet'));
  const last = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(dir, '_delta_log', '_last_checkpoint'), 'utf8')));
  assert.equal(last.version, 10);
  assert.equal(last.numOfAddFiles, 10);
  // Drop the commits the checkpoint covers: the table must still open from the checkpoint.
  for (let v = 0; v <= 10; v++) await rm(path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`));
  const reopened = await DeltaTable.open(dir);
  assert.equal(reopened.snapshot.version, 13);
  assert.equal(reopened.snapshot.txnVersion('app'), 12);
  assert.equal(reopened.snapshot.metadata.id, table.snapshot.metadata.id);
  const got = (await rows(conn, `SELECT n::INT AS n FROM ${reopened.scanSql()} ORDER BY n`)).map((r) => r.n);
  assert.deepEqual(got, [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  await assert.rejects(reopened.snapshotAt(4), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
});
