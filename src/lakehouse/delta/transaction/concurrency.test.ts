import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '../index.ts';
import { isShoriError } from '../../../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test-support/append-worker.ts', import.meta.url));
const schema = { type: 'struct' as const, fields: [{ name: 'n', type: 'long' as const, nullable: false }, { name: 'writer', type: 'string' as const, nullable: false }] };

test('two processes racing appends: contiguous versions, no commit lost, txns kept', async (t) => {
  const dir = await tempDir(t);
  await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.checkpointInterval': '7' } });
  const perWriter = 15;
  await Promise.all(['writer-a', 'writer-b'].map((id) => run(process.execPath, [worker, dir, id, String(perWriter)])));
  const log = (await readdir(path.join(dir, '_delta_log'))).filter((n) => n.endsWith('.json')).sort();
  assert.deepEqual(log.map((n) => Number(n.slice(0, 20))), Array.from({ length: 2 * perWriter + 1 }, (_, i) => i));
  const table = await DeltaTable.open(dir);
  assert.equal(table.snapshot.version, 2 * perWriter);
  assert.equal(table.snapshot.txnVersion('writer-a'), perWriter);
  assert.equal(table.snapshot.txnVersion('writer-b'), perWriter);
  const conn = await duck(t);
  const got = await rows(conn, `SELECT writer, count(*)::INT AS c, sum(n)::INT AS s FROM ${table.scanSql()} GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(got, [{ writer: 'writer-a', c: perWriter, s: 120 }, { writer: 'writer-b', c: perWriter, s: 120 }]);
});

test('two instances: a stale merge retries on the new snapshot, same txn appId conflicts', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const a = await DeltaTable.createIfAbsent(dir, { schema });
  const b = await DeltaTable.open(dir);
  await a.append(conn, `SELECT 1 AS n, 'a' AS writer`);
  // b is stale (version 0) and does not see row n=1; its merge must re-plan and update it.
  const r = await b.merge(conn, { sourceSql: `SELECT 1 AS n, 'b' AS writer`, on: ['n'], whenMatched: [{ action: 'update' }], whenNotMatched: [{ action: 'insert' }] });
  assert.equal(r.rowsUpdated, 1);
  assert.deepEqual(await rows(conn, `SELECT n::INT AS n, writer FROM ${b.scanSql()}`), [{ n: 1, writer: 'b' }]);

  await a.refresh();
  const c = await DeltaTable.open(dir);
  await a.append(conn, `SELECT 2 AS n, 'a' AS writer`, { txns: [{ appId: 'app', version: 1 }] });
  await assert.rejects(c.append(conn, `SELECT 3 AS n, 'c' AS writer`, { txns: [{ appId: 'app', version: 1 }] }), (e) =>
    isShoriError(e, 'SHORI_DELTA_CONFLICT') && e.context.conflict === 'ConcurrentTransaction' && /Help:/.test(e.message));
  // the loser's data file was cleaned up and not committed
  await c.refresh();
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n FROM ${c.scanSql()} WHERE writer = 'c'`), [{ n: 0 }]);
});
