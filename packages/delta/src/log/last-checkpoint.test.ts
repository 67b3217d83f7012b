import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable, LocalStorage } from '../index.ts';
import { parseCheckpointHint } from './last-checkpoint.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';

const schema = { type: 'struct' as const, fields: [{ name: 'n', type: 'long' as const, nullable: false }] };
const name = (v: number) => String(v).padStart(20, '0');

/** A real LocalStorage that counts directory listings and stats. */
class CountingStorage extends LocalStorage {
  lists = 0;
  stats = 0;
  override async list(dir: string) {
    this.lists++;
    return super.list(dir);
  }
  override async listNames(dir: string) {
    this.lists++;
    return super.listNames(dir);
  }
  override async stat(p: string) {
    this.stats++;
    return super.stat(p);
  }
}

async function table(t: Parameters<typeof tempDir>[0], commits: number) {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const tbl = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.checkpointInterval': '5' } });
  for (let i = 1; i <= commits; i++) await tbl.append(conn, `SELECT ${i} AS n`);
  return { dir, tbl, conn };
}

test('parseCheckpointHint accepts classic, multi-part and V2 hints and rejects junk', () => {
  assert.deepEqual(parseCheckpointHint('{"version":10,"size":3}')?.paths, [`_delta_log/${name(10)}.checkpoint.parquet`]);
  assert.deepEqual(parseCheckpointHint('{"version":7,"parts":2}')?.paths, [
    `_delta_log/${name(7)}.checkpoint.0000000001.0000000002.parquet`,
    `_delta_log/${name(7)}.checkpoint.0000000002.0000000002.parquet`,
  ]);
  const v2 = `${name(3)}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json`;
  assert.equal(parseCheckpointHint(JSON.stringify({ version: 3, v2Checkpoint: { path: v2 } }))?.kind, 'v2');
  for (const junk of [
    '',
    '{',
    'null',
    '[]',
    '{"version":-1}',
    '{"version":"10"}',
    '{"version":1.5}',
    '{"version":3,"parts":0}',
    JSON.stringify({ version: 4, v2Checkpoint: { path: v2 } }),
  ]) {
    assert.equal(parseCheckpointHint(junk), undefined, junk);
  }
});

test('open starts at _last_checkpoint without listing the log; refresh neither lists nor stats', async (t) => {
  const { dir, tbl, conn } = await table(t, 12);
  const storage = new CountingStorage(dir);
  const opened = await DeltaTable.open(storage);
  assert.equal(opened.snapshot.version, 12);
  assert.equal(opened.snapshot.files.length, 12);
  assert.equal(storage.lists, 0);
  await tbl.append(conn, 'SELECT 13 AS n');
  storage.stats = 0;
  assert.equal((await opened.refresh()).version, 13);
  assert.equal((await opened.refresh()).version, 13);
  assert.equal(storage.lists, 0);
  assert.equal(storage.stats, 0);
});

test('a missing, corrupt, dangling or stale _last_checkpoint falls back to listing and reads the same table', async (t) => {
  const { dir } = await table(t, 12);
  const hint = path.join(dir, '_delta_log', '_last_checkpoint');
  const expect = async (label: string) => {
    const storage = new CountingStorage(dir);
    const s = (await DeltaTable.open(storage)).snapshot;
    assert.deepEqual([s.version, s.files.length], [12, 12], label);
    return storage.lists;
  };
  const original = await readFile(hint, 'utf8');
  await writeFile(hint, '{"version": 10, "si');
  assert.equal(await expect('corrupt'), 1);
  await writeFile(hint, '{"version": 11}'); // no checkpoint at 11
  assert.equal(await expect('dangling'), 1);
  await writeFile(hint, '{"version": 5}'); // stale: a newer checkpoint exists, commits 6.. replay
  assert.equal(await expect('stale'), 0);
  await rm(hint);
  assert.equal(await expect('missing'), 1);
  await writeFile(hint, original);
  assert.equal(await expect('valid'), 0);
  // A stale hint whose following commits were cleaned up: listing finds the newer checkpoint.
  await writeFile(hint, '{"version": 5}');
  for (let v = 0; v <= 9; v++) await rm(path.join(dir, '_delta_log', `${name(v)}.json`));
  assert.equal(await expect('stale, cleaned'), 1);
});

test('time travel to a version before the hint lists the log and replays from an older checkpoint', async (t) => {
  const { dir } = await table(t, 12);
  const opened = await DeltaTable.open(dir);
  assert.equal((await opened.snapshotAt(7)).files.length, 7);
  assert.equal((await opened.snapshotAt(11)).files.length, 11);
});
