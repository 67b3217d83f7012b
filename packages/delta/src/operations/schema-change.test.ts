import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../table.ts';
import { isWidening } from './schema-change.ts';
import type { DeltaSchema } from '../schema/types.ts';

const f = (name: string, type: string, nullable = true) => ({ name, type, nullable, metadata: {} }) as DeltaSchema['fields'][number];

test('added columns read NULL in older files; widened columns read older files with a cast; every version stays readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-change-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const t = await DeltaTable.createIfAbsent(dir, {
    schema: { type: 'struct', fields: [f('id', 'integer', false), f('amount', 'decimal(10,2)')] },
    properties: { 'delta.enableChangeDataFeed': 'true' },
  });
  await t.append(conn, 'SELECT 1 AS id, 1.50::DECIMAL(10,2) AS amount');
  const added = await t.changeSchema(
    { type: 'struct', fields: [f('id', 'integer', false), f('amount', 'decimal(10,2)'), f('note', 'string'), f('at', 'timestamp_ntz')] },
    { operation: 'ADD COLUMNS', operationParameters: { columns: ['note', 'at'] } },
  );
  await t.append(conn, "SELECT 2 AS id, 2.25::DECIMAL(10,2) AS amount, 'x' AS note, TIMESTAMP '2026-01-01 10:00:00' AS at");
  const widened = await t.changeSchema(
    { type: 'struct', fields: [f('id', 'long', false), f('amount', 'decimal(14,2)'), f('note', 'string'), f('at', 'timestamp_ntz')] },
    { operation: 'CHANGE COLUMN' },
  );
  await t.append(conn, 'SELECT 5000000000 AS id, 123456789012.34::DECIMAL(14,2) AS amount, NULL AS note, NULL AS at');
  const read = async (v?: number) => {
    const snap = v === undefined ? t.snapshot : await t.snapshotAt(v);
    return (await conn.runAndReadAll(`SELECT * FROM ${t.scanSql(snap)} ORDER BY 1`)).getRowObjectsJson();
  };
  assert.deepEqual(await read(), [
    { id: '1', amount: '1.50', note: null, at: null },
    { id: '2', amount: '2.25', note: 'x', at: '2026-01-01 10:00:00' },
    { id: '5000000000', amount: '123456789012.34', note: null, at: null },
  ]);
  assert.deepEqual(await read(1), [{ id: 1, amount: '1.50' }]);
  assert.deepEqual((await read(added.version)).length, 1);
  assert.equal((await read(widened.version)).length, 2);
  // The commits say what changed; the timestamp_ntz column upgraded the protocol.
  const history = await t.history();
  assert.deepEqual(
    history
      .slice(0, 5)
      .map((h) => h.operation)
      .reverse(),
    ['WRITE', 'ADD COLUMNS', 'WRITE', 'CHANGE COLUMN', 'WRITE'],
  );
  assert.deepEqual(t.snapshot.protocol.readerFeatures, ['timestampNtz']);
  assert.ok(t.snapshot.protocol.writerFeatures?.includes('changeDataFeed'));
  conn.closeSync();
  db.closeSync();
});

test('unsafe schema changes are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-change-'));
  const t = await DeltaTable.createIfAbsent(dir, { schema: { type: 'struct', fields: [f('id', 'long', false), f('name', 'string')] } });
  const refuse = async (schema: DeltaSchema, message: RegExp) => assert.rejects(t.changeSchema(schema), message);
  await refuse({ type: 'struct', fields: [f('id', 'long', false)] }, /may not drop or rename columns: 'name'/);
  await refuse({ type: 'struct', fields: [f('name', 'string'), f('id', 'long', false)] }, /may not reorder/);
  await refuse({ type: 'struct', fields: [f('id', 'integer', false), f('name', 'string')] }, /only widenings/);
  await refuse({ type: 'struct', fields: [f('id', 'long', false), f('name', 'string'), f('n', 'long', false)] }, /must be nullable/);
  assert.equal(t.snapshot.version, 0);
  assert.equal(isWidening('decimal(10,2)', 'decimal(12,3)'), true);
  assert.equal(isWidening('decimal(10,2)', 'decimal(10,3)'), false);
  assert.equal(isWidening('date', 'timestamp_ntz'), true);
  assert.equal(isWidening('timestamp', 'timestamp_ntz'), false);
});
