// Merge, update and delete on a table with deletion vectors enabled: no file is rewritten, the
// touched files get vectors (one .bin per commit), rows and the change feed are exact at every
// version, checkpoints carry the vectors, optimize purges them past its ratio, vacuum keeps the
// vector files still needed, and a concurrent commit on the same file conflicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'v', type: 'string' as const, nullable: true },
  ],
};
const properties = { 'delta.enableDeletionVectors': 'true', 'delta.enableChangeDataFeed': 'true' };
const dvFiles = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('deletion_vector_')).sort();

async function dvTable(t: Parameters<typeof tempDir>[0], props: Record<string, string> = properties) {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: props });
  await table.append(conn, `SELECT range AS id, 'a' || range AS v FROM range(0, 100)`); // v1: file A
  await table.append(conn, `SELECT range AS id, 'b' || range AS v FROM range(100, 200)`); // v2: file B
  return { dir, conn, table };
}

test('creating with delta.enableDeletionVectors declares the feature (reader 3, writer 7)', async (t) => {
  const { table } = await dvTable(t);
  assert.deepEqual(table.snapshot.protocol, {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: ['deletionVectors'],
    writerFeatures: ['deletionVectors', 'changeDataFeed', 'invariants'],
  });
});

test('merge, update and delete write deletion vectors, never rewrite files; rows and change feed exact', async (t) => {
  const { dir, conn, table } = await dvTable(t);
  const [fileA, fileB] = table.snapshot.files.map((f) => f.path);
  const all = async () => (await rows(conn, `SELECT id::INT AS id, v FROM ${table.scanSql()} ORDER BY id`)).map((r) => `${r.id}:${r.v}`);
  const expected = new Map(Array.from({ length: 200 }, (_, i) => [i, `${i < 100 ? 'a' : 'b'}${i}`]));
  const now = () => [...expected].sort((x, y) => x[0] - y[0]).map(([k, v]) => `${k}:${v}`);

  // v3: update 10, 150; delete 20; insert 500 (both files touched).
  const m = await table.merge(conn, {
    sourceSql: `SELECT * FROM (VALUES (10, 'u10'), (150, 'u150'), (20, 'gone'), (500, 'new')) AS s(id, v)`,
    on: ['id'],
    whenMatched: [{ action: 'delete', condition: `s.v = 'gone'` }, { action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  expected.set(10, 'u10');
  expected.set(150, 'u150');
  expected.delete(20);
  expected.set(500, 'new');
  assert.deepEqual(
    { updated: m.rowsUpdated, deleted: m.rowsDeleted, inserted: m.rowsInserted, dvs: m.deletionVectors, removed: m.filesRemoved, added: m.filesAdded },
    { updated: 2, deleted: 1, inserted: 1, dvs: 2, removed: 0, added: 1 },
  );
  assert.deepEqual(await all(), now());
  const live = table.snapshot.files;
  assert.deepEqual(
    live
      .filter((f) => f.deletionVector)
      .map((f) => [f.path, f.deletionVector!.cardinality])
      .sort(),
    [
      [fileA, 2],
      [fileB, 1],
    ].sort(),
  );
  assert.ok(live.filter((f) => f.deletionVector).every((f) => f.stats?.includes('"tightBounds":false')));
  assert.equal((await dvFiles(dir)).length, 1, 'one .bin per commit');

  // v4: a second merge on file A unions its vector (10 and 20 stay deleted); 10 matches only its
  // live version (in v3's new file), not the deleted one in file A.
  await table.merge(conn, { sourceSql: `SELECT * FROM (VALUES (30, 'u30'), (10, 'u10b')) AS s(id, v)`, on: ['id'], whenMatched: [{ action: 'update' }] });
  expected.set(30, 'u30');
  expected.set(10, 'u10b');
  assert.equal(table.snapshot.files.find((f) => f.path === fileA)!.deletionVector!.cardinality, 3);
  // v5: update; v6: delete (no change-data file, as Spark); v7: delete every remaining row of file B.
  const u = await table.update(conn, { set: { v: `'x' || t.v` }, where: 't.id IN (1, 2, 150)' });
  assert.equal(u.rowsUpdated, 3);
  for (const id of [1, 2, 150]) expected.set(id, `x${expected.get(id)}`);
  const d = await table.delete(conn, 'id IN (3, 4)');
  assert.deepEqual([d.rowsDeleted, d.deletionVectors, d.filesAdded], [2, 1, 0]);
  expected.delete(3);
  expected.delete(4);
  const v6 = table.snapshot.version;
  const d2 = await table.delete(conn, 'id >= 100 AND id < 200');
  assert.equal(d2.filesRemoved, 1, 'file B, now fully deleted, is removed');
  for (let i = 100; i < 200; i++) expected.delete(i);
  assert.deepEqual(await all(), now());
  assert.ok(table.snapshot.files.every((f) => f.path !== fileB));
  assert.ok(
    table.snapshot.files.some((f) => f.path === fileA),
    'file A was never rewritten',
  );

  // Change feed of the DV commits, exact.
  const feed = (await table.changes(3)).map((r) => `${r._commit_version}:${r._change_type}:${r.id}:${r.v}`).sort();
  const want = [
    '3:update_preimage:10:a10',
    '3:update_postimage:10:u10',
    '3:update_preimage:150:b150',
    '3:update_postimage:150:u150',
    '3:delete:20:a20',
    '3:insert:500:new',
    '4:update_preimage:30:a30',
    '4:update_postimage:30:u30',
    '4:update_preimage:10:u10',
    '4:update_postimage:10:u10b',
    '5:update_preimage:1:a1',
    '5:update_postimage:1:xa1',
    '5:update_preimage:2:a2',
    '5:update_postimage:2:xa2',
    '5:update_preimage:150:u150',
    '5:update_postimage:150:xu150',
    '6:delete:3:a3',
    '6:delete:4:a4',
    ...Array.from({ length: 100 }, (_, i) => 100 + i)
      .filter((i) => i !== 150)
      .map((i) => `7:delete:${i}:b${i}`),
    '7:delete:150:xu150',
  ].sort();
  assert.deepEqual(feed, want);
  // Every version replays to what the table holds at that version.
  for (let v = 3; v <= table.snapshot.version; v++) {
    const at = await rows(conn, `SELECT count(*)::INT AS n FROM ${table.scanSql(await table.snapshotAt(v))}`);
    const replay = await rows(
      conn,
      `SELECT sum(CASE WHEN _change_type IN ('insert', 'update_postimage') THEN 1 WHEN _change_type IN ('delete', 'update_preimage') THEN -1 ELSE 0 END)::INT AS n FROM ${await table.changesSql(0, v)}`,
    );
    assert.deepEqual(at, replay, `version ${v}`);
  }
  assert.equal((await table.snapshotAt(v6)).numRows, 200 - 3 + 1); // deleted 20, 3, 4; inserted 500 (from stats and vector cardinalities)
});

test('checkpoints carry the deletion vectors; optimize purges past the ratio; vacuum keeps the vector files still needed', async (t) => {
  const { dir, conn, table } = await dvTable(t, { ...properties, 'delta.checkpointInterval': '100' });
  await table.delete(conn, 'id = 5'); // 1% of file A: below the default ratio
  await table.checkpoint();
  const reopened = await DeltaTable.open(dir);
  assert.equal(reopened.snapshot.files.filter((f) => f.deletionVector).length, 1);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n FROM ${reopened.scanSql()}`), [{ n: 199 }]);
  const firstDv = await dvFiles(dir);

  const idle = await table.optimize(conn, { minFiles: 10 });
  assert.equal(idle.committed, false, 'a 1% vector is not worth a rewrite');
  await table.delete(conn, 'id < 20'); // 20% of file A
  assert.equal((await dvFiles(dir)).length, 2);
  // Vacuum now: every vector file is still referenced (live or by an unexpired tombstone).
  const dry = await table.vacuum({ dryRun: true, retentionHours: 0, force: true });
  assert.deepEqual(
    dry.files.filter((f) => f.path.startsWith('deletion_vector_')).map((f) => f.path),
    firstDv,
    'only the replaced vector is unreferenced at retention 0',
  );
  const kept = await table.vacuum({ dryRun: true });
  assert.equal(kept.files.length, 0, 'within the 7-day retention nothing goes');

  const purged = await table.optimize(conn, { minFiles: 10 });
  assert.deepEqual([purged.filesRemoved, purged.filesAdded], [2, 1], 'file A purged, the small file B compacted with it');
  assert.equal(
    table.snapshot.files.some((f) => f.deletionVector),
    false,
  );
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n, min(id)::INT AS lo FROM ${table.scanSql()}`), [{ n: 180, lo: 20 }]);
  // Make every file old, then vacuum at retention 0: data files and vector files no version needs go.
  const old = new Date(Date.now() - 3_600_000);
  for (const name of await readdir(dir)) if (!name.startsWith('_')) await utimes(path.join(dir, name), old, old);
  await table.vacuum({ retentionHours: 0, force: true });
  assert.deepEqual(await dvFiles(dir), []);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n FROM ${table.scanSql()}`), [{ n: 180 }]);
});

test('two writers deleting from the same file: the second conflicts, and its retry keeps both deletes', async (t) => {
  const { dir, conn, table } = await dvTable(t);
  const other = await DeltaTable.open(dir, { maxOperationRetries: 0 });
  await table.delete(conn, 'id = 1');
  await assert.rejects(other.delete(conn, 'id = 2'), (e) => isDeltaError(e, 'DELTA_CONFLICT') && /removed concurrently/.test(e.message));
  const retrying = await DeltaTable.open(dir);
  const stale = await DeltaTable.open(dir);
  await retrying.merge(conn, { sourceSql: `SELECT 3 AS id, 'm' AS v`, on: ['id'], whenMatched: [{ action: 'update' }] });
  await stale.refresh();
  await table.delete(conn, 'id = 4'); // makes `stale` stale again, on the same file
  const r = await stale.delete(conn, 'id = 5');
  assert.equal(r.rowsDeleted, 1);
  const ids = (await rows(conn, `SELECT id::INT AS id, v FROM ${stale.scanSql()} WHERE id < 7 ORDER BY id`)).map((x) => `${x.id}:${x.v}`);
  assert.deepEqual(ids, ['0:a0', '2:a2', '3:m', '6:a6']);
});

test('without the property (or on an older protocol) the operations stay copy-on-write', async (t) => {
  const { dir, conn, table } = await dvTable(t, { 'delta.enableChangeDataFeed': 'true' });
  const r = await table.delete(conn, 'id = 1');
  assert.deepEqual([r.filesRemoved, r.filesAdded, r.deletionVectors], [1, 1, 0]);
  assert.deepEqual(await dvFiles(dir), []);
});
