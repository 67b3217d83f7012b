import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable, DEFAULT_ENGINE_INFO, type DeltaSchema } from '../index.ts';
import { sparkReadableMap } from './commit.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';

const schema: DeltaSchema = { type: 'struct', fields: [{ name: 'id', type: 'long', nullable: false }] };

async function commitInfo(dir: string, version: number): Promise<Record<string, unknown>> {
  const text = await readFile(path.join(dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('{"commitInfo"'));
  return (JSON.parse(line!) as { commitInfo: Record<string, unknown> }).commitInfo;
}

test('sparkReadableMap JSON-encodes arrays and objects and keeps scalars', () => {
  assert.deepEqual(sparkReadableMap({ a: [1, 'x'], o: { k: 'v' }, s: 'plain', n: 3, b: false, z: null }), {
    a: '[1,"x"]',
    o: '{"k":"v"}',
    s: 'plain',
    n: 3,
    b: false,
    z: null,
  });
});

test("a caller's structured operationParameters reach the log as strings Spark can read", async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema });
  await table.append(conn, 'SELECT 1::BIGINT AS id', { operationParameters: { mode: 'Append', sources: ['a', 'b'], detail: { n: 1 }, version: 7 } });
  const info = await commitInfo(dir, 1);
  assert.deepEqual(info.operationParameters, { mode: 'Append', sources: '["a","b"]', detail: '{"n":1}', version: 7 });
});

test("engineInfo is the caller's, or shori-delta/<version> when none is given", async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const plain = await DeltaTable.createIfAbsent(dir, { schema });
  await plain.append(conn, 'SELECT 1::BIGINT AS id');
  assert.match(DEFAULT_ENGINE_INFO, /^shori-delta\/\d+\.\d+\.\d+/);
  assert.equal((await commitInfo(dir, 0)).engineInfo, DEFAULT_ENGINE_INFO);
  assert.equal((await commitInfo(dir, 1)).engineInfo, DEFAULT_ENGINE_INFO);
  const named = await DeltaTable.open(dir, { engineInfo: 'my-app/2.1.0' });
  await named.append(conn, 'SELECT 2::BIGINT AS id');
  await named.vacuum({ retentionHours: 0, force: true, dryRun: true });
  assert.equal((await commitInfo(dir, 2)).engineInfo, 'my-app/2.1.0');
  const [latest] = await named.history(1);
  assert.equal(latest.engineInfo, 'my-app/2.1.0');
});
