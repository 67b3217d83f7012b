import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable, LocalStorage } from '@shori/delta';
import { FaultSwitch } from './fault-plan.ts';
import { FaultStorage, commitOperation } from './fault-storage.ts';

const schema = { type: 'struct' as const, fields: [{ name: 'id', type: 'long' as const, nullable: false }] };

interface Passage {
  point: string;
  commits: number[];
  files: string[];
  lastCheckpoint: boolean;
  checkpoints: string[];
}

/** A switch that kills nothing and records every passage with what the disk held at that moment. */
class Recorder extends FaultSwitch {
  readonly passages: Passage[] = [];
  readonly #dir: string;
  constructor(dir: string) {
    super([]);
    this.#dir = dir;
  }
  override reach(point: string): void {
    const log = readdirSync(join(this.#dir, '_delta_log'));
    this.passages.push({
      point,
      commits: log.filter((f) => /^\d{20}\.json$/.test(f)).map((f) => Number(f.slice(0, 20))),
      files: readdirSync(this.#dir)
        .filter((f) => f.endsWith('.parquet'))
        .sort(),
      lastCheckpoint: existsSync(join(this.#dir, '_delta_log', '_last_checkpoint')),
      checkpoints: log.filter((f) => f.includes('.checkpoint.')),
    });
  }
}

async function setUp(t: { after: (fn: () => Promise<void> | void) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'shori-faults-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  t.after(async () => {
    conn.closeSync();
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });
  const recorder = new Recorder(dir);
  const storage = new FaultStorage(new LocalStorage(dir), 'silver.x', recorder);
  return { dir, conn, storage, recorder };
}

test('commitOperation reads the commitInfo operation of a commit body', () => {
  assert.equal(commitOperation('{"add":{}}\n{"commitInfo":{"timestamp":1,"operation":"OPTIMIZE"}}\n'), 'OPTIMIZE');
  assert.equal(commitOperation(Buffer.from('{"commitInfo":{"operation":"VACUUM START"}}')), 'VACUUM START');
  assert.equal(commitOperation('{"add":{}}'), undefined);
});

test('appends reach parquet-written (files on disk, commit not yet there) then commit (commit there)', async (t) => {
  const { dir, conn, storage, recorder } = await setUp(t);
  const table = await DeltaTable.createIfAbsent(storage, { schema, name: 'x' });
  await table.append(conn, 'SELECT 1 AS id');
  await table.append(conn, 'SELECT 2 AS id');
  assert.deepEqual(
    recorder.passages.map((p) => p.point),
    [
      'silver.x:commit', // version 0, the table's creation
      'silver.x:parquet-written',
      'silver.x:commit',
      'silver.x:parquet-written',
      'silver.x:commit',
    ],
  );
  const [, written1, commit1, written2] = recorder.passages;
  assert.deepEqual(written1.commits, [0], 'parquet-written comes before commit 1');
  assert.equal(written1.files.length, 1, 'with the data file on disk');
  assert.deepEqual(commit1.commits, [0, 1], 'commit comes right after commit 1 is there');
  assert.deepEqual(written2.commits, [0, 1]);
  assert.equal(written2.files.length, 2);
  assert.equal((await table.refresh()).version, 2, 'the wrapper changes nothing of the table');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.parquet')).length, 2);
});

test('checkpoint is reached after the checkpoint file, before _last_checkpoint', async (t) => {
  const { conn, storage, recorder } = await setUp(t);
  const table = await DeltaTable.createIfAbsent(storage, { schema, name: 'x', properties: { 'delta.checkpointInterval': '2' } });
  await table.append(conn, 'SELECT 1 AS id');
  await table.append(conn, 'SELECT 2 AS id');
  const checkpoints = recorder.passages.filter((p) => p.point === 'silver.x:checkpoint');
  assert.equal(checkpoints.length, 1, 'one checkpoint, at version 2');
  assert.deepEqual(checkpoints[0].checkpoints, ['00000000000000000002.checkpoint.parquet']);
  assert.equal(checkpoints[0].lastCheckpoint, false, '_last_checkpoint not yet written');
});

test('optimize is reached once the compacted file is written, before the OPTIMIZE commit; vacuum after each deleted file', async (t) => {
  const { dir, conn, storage, recorder } = await setUp(t);
  const table = await DeltaTable.createIfAbsent(storage, { schema, name: 'x' });
  for (let i = 0; i < 3; i++) await table.append(conn, `SELECT ${i} AS id`);
  await table.optimize(conn, { minFiles: 2 });
  const optimize = recorder.passages.filter((p) => p.point === 'silver.x:optimize');
  assert.equal(optimize.length, 1);
  assert.deepEqual(optimize[0].commits, [0, 1, 2, 3], 'the OPTIMIZE commit is not there yet');
  assert.equal(optimize[0].files.length, 4, 'three small files and the compacted one');
  assert.equal(recorder.passages.filter((p) => p.point === 'silver.x:parquet-written').length, 3, 'optimize is not counted as a data write');

  // The three small files are no longer needed: make them old, vacuum with no retention.
  const old = new Date(Date.now() - 3_600_000);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.parquet'))) utimesSync(join(dir, f), old, old);
  const before = recorder.passages.length;
  const result = await table.vacuum({ retentionHours: 0, force: true });
  assert.equal(result.files.length, 3);
  const vacuum = recorder.passages.slice(before);
  assert.deepEqual(
    vacuum.map((p) => p.point),
    ['silver.x:commit', 'silver.x:vacuum', 'silver.x:vacuum', 'silver.x:vacuum', 'silver.x:commit'],
  );
  assert.deepEqual(
    vacuum.slice(1, 4).map((p) => p.files.length),
    [3, 2, 1],
    'each passage after one more file is gone',
  );
  assert.equal(readFileSync(join(dir, '_delta_log', `${String(result.endVersion).padStart(20, '0')}.json`), 'utf8').includes('VACUUM END'), true);
});
