import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = { type: 'struct' as const, fields: [{ name: 'n', type: 'long' as const, nullable: false }] };
const DAY = 86_400_000;
const name = (v: number) => String(v).padStart(20, '0');

/** Age every log file of versions <= upTo to `daysAgo` days. */
async function age(dir: string, upTo: number, daysAgo: number): Promise<void> {
  const when = new Date(Date.now() - daysAgo * DAY);
  for (const f of await readdir(path.join(dir, '_delta_log'))) {
    const v = /^(\d{20})\./.exec(f);
    if (v && Number(v[1]) <= upTo) await utimes(path.join(dir, '_delta_log', f), when, when);
  }
}

async function tableWith(t: Parameters<typeof tempDir>[0], commits: number, properties: Record<string, string> = {}) {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.checkpointInterval': '5', ...properties } });
  for (let i = 1; i <= commits; i++) await table.append(conn, `SELECT ${i} AS n`);
  return { dir, conn, table };
}

test('cleanupLog deletes expired commits and checkpoints strictly before the newest expired checkpoint', async (t) => {
  const { dir, conn, table } = await tableWith(t, 17);
  await age(dir, 12, 40); // versions 0..12 are 40 days old; 13..17 fresh
  const result = await table.cleanupLog();
  // Checkpoints at 5, 10, 15: 10 is the newest expired one; everything before it goes.
  assert.equal(result.earliestVersion, 10);
  const left = await readdir(path.join(dir, '_delta_log'));
  for (let v = 0; v < 10; v++) assert.ok(!left.includes(`${name(v)}.json`), `commit ${v} deleted`);
  assert.ok(!left.includes(`${name(5)}.checkpoint.parquet`));
  assert.ok(left.includes(`${name(10)}.checkpoint.parquet`));
  for (let v = 10; v <= 17; v++) assert.ok(left.includes(`${name(v)}.json`), `commit ${v} kept`);
  assert.equal(result.deleted.length, 11); // commits 0..9 and checkpoint 5

  // The table still reads in full, from a fresh process view too, and versions >= 10 travel.
  const reopened = await DeltaTable.open(dir);
  assert.equal(reopened.snapshot.version, 17);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c FROM ${reopened.scanSql()}`), [{ c: 17 }]);
  assert.equal((await reopened.snapshotAt(10)).files.length, 10);
  assert.equal((await reopened.snapshotAt(12)).files.length, 12);
  // Older versions fail clearly, never with wrong data.
  await assert.rejects(
    reopened.snapshotAt(7),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /no longer available.*earliest version that can be read is 10/s.test(e.message),
  );
  await assert.rejects(
    reopened.snapshotAtTimestamp(new Date(Date.now() - 50 * DAY)),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /before the earliest/.test(e.message),
  );
  // History stops where the log starts.
  assert.deepEqual((await reopened.history()).map((h) => h.version).at(-1), 10);
});

test('nothing expired, or cleanup disabled: nothing is deleted', async (t) => {
  const fresh = await tableWith(t, 11);
  assert.deepEqual((await fresh.table.cleanupLog()).deleted, []);
  const off = await tableWith(t, 11, { 'delta.enableExpiredLogCleanup': 'false' });
  await age(off.dir, 11, 400);
  assert.deepEqual((await off.table.cleanupLog()).deleted, []);
  assert.equal((await readdir(path.join(off.dir, '_delta_log'))).filter((f) => f.endsWith('.json')).length, 12);
});

test('a shorter delta.logRetentionDuration is honoured; an unparsable one is an error', async (t) => {
  const short = await tableWith(t, 11, { 'delta.logRetentionDuration': 'interval 2 days' });
  await age(short.dir, 11, 3);
  const result = await short.table.cleanupLog();
  assert.equal(result.earliestVersion, 10);
  assert.equal((await DeltaTable.open(short.dir)).snapshot.version, 11);
  const bad = await tableWith(t, 1, { 'delta.logRetentionDuration': 'forever' });
  await assert.rejects(bad.table.cleanupLog(), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /logRetentionDuration/.test(e.message));
});

test('the automatic checkpoint cleans up expired log files by itself', async (t) => {
  const { dir, table, conn } = await tableWith(t, 9);
  await age(dir, 9, 31);
  await table.append(conn, 'SELECT 10 AS n'); // version 10: checkpoint, then cleanup (5 is the newest expired checkpoint)
  assert.equal(table.lastLogCleanupError, undefined);
  const left = await readdir(path.join(dir, '_delta_log'));
  assert.ok(!left.includes(`${name(4)}.json`));
  assert.ok(left.includes(`${name(5)}.checkpoint.parquet`) && left.includes(`${name(5)}.json`));
  assert.equal((await DeltaTable.open(dir)).snapshot.files.length, 10);
});

test('a snapshot held across a cleanup of the commits after it still refreshes (from the checkpoint)', async (t) => {
  const { dir, conn, table } = await tableWith(t, 2);
  const reader = await DeltaTable.open(dir);
  assert.equal(reader.snapshot.version, 2);
  for (let i = 3; i <= 12; i++) await table.append(conn, `SELECT ${i} AS n`);
  await age(dir, 12, 40);
  await table.cleanupLog(); // deletes commits 0..9: the reader's next commit (3) is gone
  const fresh = await reader.refresh();
  assert.equal(fresh.version, 12);
  assert.equal(fresh.files.length, 12);
});
