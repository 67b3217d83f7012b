// Columns of the schema that a data file does not hold (added after it was written: ADD COLUMNS,
// mergeSchema, a column-mapped drop and re-add) read as NULL, never as a DuckDB binder error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable, serializeCommit, serializeSchema, type Action, type DeltaSchema } from '../index.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const commitFile = (dir: string, v: number) => path.join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`);
const commit = (dir: string, v: number, actions: Action[]) =>
  writeFile(commitFile(dir, v), serializeCommit([{ commitInfo: { timestamp: Date.now(), operation: 'ADD COLUMNS' } }, ...actions]), { flag: 'wx' });

test('a column added to the schema reads NULL in files written before it, values in files after', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const schema: DeltaSchema = {
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: false },
      { name: 'p', type: 'string', nullable: true },
    ],
  };
  const table = await DeltaTable.createIfAbsent(dir, { schema, partitionColumns: ['p'] });
  await table.append(conn, `SELECT range AS id, CASE WHEN range < 2 THEN 'a' ELSE 'b' END AS p FROM range(0, 4)`); // v1
  const wider: DeltaSchema = {
    ...schema,
    fields: [...schema.fields, { name: 'extra', type: 'string', nullable: true }, { name: 'n', type: 'integer', nullable: true }],
  };
  await commit(dir, 2, [{ metaData: { ...table.snapshot.metadata, schemaString: serializeSchema(wider) } }]);
  await table.refresh();
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, p, extra, n FROM ${table.scanSql()} ORDER BY id`), [
    { id: 0, p: 'a', extra: null, n: null },
    { id: 1, p: 'a', extra: null, n: null },
    { id: 2, p: 'b', extra: null, n: null },
    { id: 3, p: 'b', extra: null, n: null },
  ]);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c FROM ${table.scanSql()}`), [{ c: 4 }]);
  await table.append(conn, `SELECT 9::BIGINT AS id, 'a' AS p, 'new' AS extra, 7 AS n`); // v3: partition a now mixes both
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, extra, n FROM ${table.scanSql()} WHERE p = 'a' ORDER BY id`), [
    { id: 0, extra: null, n: null },
    { id: 1, extra: null, n: null },
    { id: 9, extra: 'new', n: 7 },
  ]);
  const old = await table.snapshotAt(1);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c FROM ${table.scanSql(old)}`), [{ c: 4 }]);
});

test('a file without stats is read by name with its real values (unknown columns are not assumed missing)', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const schema: DeltaSchema = {
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ],
  };
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  await conn.run(`COPY (SELECT range AS id, 's' || range AS s FROM range(0, 3)) TO '${path.join(dir, 'nostats.parquet')}' (FORMAT parquet)`);
  await commit(dir, 1, [{ add: { path: 'nostats.parquet', partitionValues: {}, size: 1, modificationTime: Date.now(), dataChange: true } }]);
  await table.refresh();
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, s FROM ${table.scanSql()} ORDER BY id`), [
    { id: 0, s: 's0' },
    { id: 1, s: 's1' },
    { id: 2, s: 's2' },
  ]);
});

test('column mapping (name): a dropped and re-added column reads NULL in the old files', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const field = (name: string, id: number, physical: string) => ({
    name,
    type: 'long' as const,
    nullable: true,
    metadata: { 'delta.columnMapping.id': id, 'delta.columnMapping.physicalName': physical },
  });
  const v0: DeltaSchema = { type: 'struct', fields: [field('id', 1, 'col-a1'), field('b', 2, 'col-b2')] };
  await conn.run(`COPY (SELECT range AS "col-a1", range * 10 AS "col-b2" FROM range(0, 3)) TO '${path.join(dir, 'old.parquet')}' (FORMAT parquet)`);
  await mkdir(path.join(dir, '_delta_log'));
  const metadata = {
    id: 'cm-test',
    format: { provider: 'parquet', options: {} },
    schemaString: serializeSchema(v0),
    partitionColumns: [],
    configuration: { 'delta.columnMapping.mode': 'name', 'delta.columnMapping.maxColumnId': '3' },
    createdTime: Date.now(),
  };
  await commit(dir, 0, [
    { protocol: { minReaderVersion: 2, minWriterVersion: 5 } },
    { metaData: metadata },
    {
      add: {
        path: 'old.parquet',
        partitionValues: {},
        size: 1,
        modificationTime: Date.now(),
        dataChange: true,
        stats: '{"numRecords":3,"nullCount":{"col-a1":0,"col-b2":0}}',
      },
    },
  ]);
  const readded: DeltaSchema = { type: 'struct', fields: [field('id', 1, 'col-a1'), field('b', 3, 'col-b3')] };
  await commit(dir, 1, [{ metaData: { ...metadata, schemaString: serializeSchema(readded) } }]);
  const table = await DeltaTable.open(dir);
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, b FROM ${table.scanSql()} ORDER BY id`), [
    { id: 0, b: null },
    { id: 1, b: null },
    { id: 2, b: null },
  ]);
  assert.deepEqual(await rows(conn, `SELECT id::INT AS id, b::INT AS b FROM ${table.scanSql(await table.snapshotAt(0))} ORDER BY id`), [
    { id: 0, b: 0 },
    { id: 1, b: 10 },
    { id: 2, b: 20 },
  ]);
});
