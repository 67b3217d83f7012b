import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, utimes, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';
import { parseIntervalMs } from './retention.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'p', type: 'string' as const, nullable: true },
  ],
};

async function dataFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.parquet') && !e.parentPath.includes('_delta_log')) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

test('interval syntax', () => {
  assert.equal(parseIntervalMs('interval 1 hour'), 3_600_000);
  assert.equal(parseIntervalMs('interval 7 days'), 7 * 86_400_000);
  assert.equal(parseIntervalMs('2 days 12 hours'), 60 * 3_600_000);
  assert.equal(parseIntervalMs('INTERVAL 1 WEEK'), 7 * 86_400_000);
  assert.equal(parseIntervalMs('interval 30 minutes'), 1_800_000);
  assert.equal(parseIntervalMs('seven days'), undefined);
  assert.equal(parseIntervalMs('interval 3'), undefined);
});

test('vacuum honours the table retention, refuses a shorter one unless forced, dry-runs and logs START/END', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, {
    schema,
    partitionColumns: ['p'],
    properties: { 'delta.deletedFileRetentionDuration': 'interval 1 hour', 'delta.enableChangeDataFeed': 'true' },
  });
  await table.append(conn, `SELECT 1 AS id, 'a' AS p UNION ALL SELECT 2, 'b'`);
  await table.append(conn, `SELECT 3 AS id, 'a' AS p`);
  await table.delete(conn, `p = 'b'`); // removes the b file entirely, cdc file in _change_data/p=b
  await table.optimize(conn, { minFiles: 2 }); // rewrites the two 'a' files
  const before = await dataFiles(dir);
  const live = table.snapshot.files.map((f) => decodeURIComponent(f.path));
  assert.equal(live.length, 1);
  // an orphan from a failed write, old
  await mkdir(path.join(dir, 'p=zz'), { recursive: true });
  await writeFile(path.join(dir, 'p=zz', 'orphan.parquet'), 'x');
  const old = new Date(Date.now() - 2 * 3_600_000);
  for (const f of [...before, 'p=zz/orphan.parquet']) if (!live.includes(f)) await utimes(path.join(dir, f), old, old);

  // within retention: nothing (tombstones are younger than 1 hour), though the files are old
  const none = await table.vacuum({ dryRun: true });
  assert.deepEqual(
    none.files.map((f) => f.path).filter((p) => !p.startsWith('_change_data') && p !== 'p=zz/orphan.parquet'),
    [],
  );
  assert.equal(none.retentionMs, 3_600_000);

  await assert.rejects(
    table.vacuum({ retentionHours: 0 }),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /shorter than the table/.test(e.message) && /Help:/.test(e.message),
  );
  const dry = await table.vacuum({ retentionHours: 0, force: true, dryRun: true });
  const expected = [...before.filter((f) => !live.includes(f)), 'p=zz/orphan.parquet'].sort();
  assert.deepEqual(
    dry.files.map((f) => f.path),
    expected,
  );
  assert.ok(expected.some((f) => f.startsWith('_change_data/')));
  assert.deepEqual(await dataFiles(dir), [...before, 'p=zz/orphan.parquet'].sort(), 'dry run deletes nothing');
  const version = table.snapshot.version;

  const real = await table.vacuum({ retentionHours: 0, force: true });
  assert.deepEqual(real.files, dry.files);
  assert.deepEqual(await dataFiles(dir), live);
  assert.equal(real.startVersion, version + 1);
  assert.equal(real.endVersion, version + 2);
  assert.ok(real.vacuumedDirectories >= 2); // p=b and p=zz (and _change_data/p=b)
  const start = JSON.parse((await readFile(path.join(dir, '_delta_log', `${String(version + 1).padStart(20, '0')}.json`), 'utf8')).trim());
  assert.equal(start.commitInfo.operation, 'VACUUM START');
  assert.deepEqual(start.commitInfo.operationParameters, { retentionCheckEnabled: 'false', specifiedRetentionMillis: '0', defaultRetentionMillis: '3600000' });
  assert.equal(start.commitInfo.operationMetrics.numFilesToDelete, expected.length);
  const history = await table.history(2);
  assert.deepEqual(
    history.map((h) => h.operation),
    ['VACUUM END', 'VACUUM START'],
  );
  assert.deepEqual(history[0].operationMetrics, { numDeletedFiles: expected.length, numVacuumedDirectories: real.vacuumedDirectories });
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id FROM ${table.scanSql()} ORDER BY id`), [{ id: 1 }, { id: 3 }]);
  // nothing left: no commit
  const again = await table.vacuum({ retentionHours: 0, force: true });
  assert.equal(again.files.length, 0);
  assert.equal(again.endVersion, undefined);
  assert.equal(table.snapshot.version, version + 2);
});

test('default retention is 7 days and a bad property is reported', async (t) => {
  const dir = await tempDir(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  assert.equal((await table.vacuum({ dryRun: true })).retentionMs, 7 * 86_400_000);
  await assert.rejects(table.vacuum({ retentionHours: 24 }), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
  const bad = await DeltaTable.createIfAbsent(await tempDir(t), { schema, properties: { 'delta.deletedFileRetentionDuration': 'a week' } });
  await assert.rejects(bad.vacuum({ dryRun: true }), (e) => isDeltaError(e, 'DELTA_PROTOCOL') && /not an interval/.test(e.message));
});
