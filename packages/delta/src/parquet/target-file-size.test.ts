import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { parseByteSize, targetFileSize, DEFAULT_TARGET_FILE_SIZE } from './target-file-size.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'x', type: 'double' as const, nullable: true },
    { name: 'p', type: 'string' as const, nullable: true },
  ],
};
const stat = (f: { stats?: string | null }) => JSON.parse(f.stats!) as { numRecords: number; minValues: { id: number }; maxValues: { id: number } };

test('delta.targetFileSize parses bytes and units; junk is an error', () => {
  assert.equal(parseByteSize('134217728'), 134217728);
  assert.equal(parseByteSize('128mb'), 128 * 1024 * 1024);
  assert.equal(parseByteSize('1 GB'), 1024 ** 3);
  assert.equal(parseByteSize('0'), undefined);
  assert.equal(parseByteSize('12 parsecs'), undefined);
  assert.equal(targetFileSize({}), DEFAULT_TARGET_FILE_SIZE);
  assert.throws(
    () => targetFileSize({ 'delta.targetFileSize': 'big' }),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL'),
  );
});

test('writes are split into files of about delta.targetFileSize, each with its own stats; a merge rewrites only the files it touches', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.targetFileSize': '1mb' } });
  // 600k rows of random doubles: ~5 MB of parquet, written in row groups of 122,880 rows.
  await table.append(conn, 'SELECT range AS id, random() AS x, NULL AS p FROM range(600000) ORDER BY id');
  const files = table.snapshot.files;
  assert.ok(files.length >= 3, `${files.length} files`);
  assert.ok(
    files.every((f) => f.size < 3 * 1024 * 1024),
    'each file is near the target',
  );
  assert.equal(
    files.reduce((n, f) => n + stat(f).numRecords, 0),
    600000,
  );
  assert.equal(new Set(files.map((f) => stat(f).minValues.id)).size, files.length, 'per-file stats, not one range');
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.parquet')).length, files.length);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c, count(DISTINCT id)::INT AS d FROM ${table.scanSql()}`), [{ c: 600000, d: 600000 }]);

  const m = await table.merge(conn, { sourceSql: 'SELECT 5 AS id, 0.5 AS x, NULL AS p', on: ['id'], whenMatched: [{ action: 'update' }] });
  assert.equal(m.rowsUpdated, 1);
  assert.equal(m.filesRemoved, 1);
  assert.ok(m.rowsWritten < 600000 / 2, `rewrote ${m.rowsWritten} rows`);
  assert.deepEqual(await rows(conn, `SELECT x FROM ${table.scanSql()} WHERE id = 5`), [{ x: 0.5 }]);
});

test('partitioned writes split per partition; an empty source writes nothing', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns: ['p'], properties: { 'delta.targetFileSize': '1mb' } });
  const r = await table.append(conn, `SELECT range AS id, random() AS x, CASE WHEN range < 500000 THEN 'big' ELSE 'small' END AS p FROM range(510000)`);
  const byPart = (p: string) => table.snapshot.files.filter((f) => f.partitionValues.p === p);
  assert.ok(byPart('big').length >= 2);
  assert.equal(byPart('small').length, 1);
  assert.equal(r.rowsWritten, 510000);
  const none = await table.append(conn, "SELECT 1 AS id, 1.0 AS x, 'z' AS p WHERE false");
  assert.equal(none.filesAdded, 0);
});
