import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '../index.ts';
import { isDeltaError } from '../errors.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../test-support/append-worker.ts', import.meta.url));
const schema = {
  type: 'struct' as const,
  fields: [
    { name: 'n', type: 'long' as const, nullable: false },
    { name: 'writer', type: 'string' as const, nullable: false },
  ],
};

test('two processes racing appends: contiguous versions, no commit lost, txns kept', async (t) => {
  const dir = await tempDir(t);
  await DeltaTable.createIfAbsent(dir, { schema, properties: { 'delta.checkpointInterval': '7' } });
  const perWriter = 15;
  await Promise.all(['writer-a', 'writer-b'].map((id) => run(process.execPath, [worker, dir, id, String(perWriter)])));
  const log = (await readdir(path.join(dir, '_delta_log'))).filter((n) => n.endsWith('.json')).sort();
  assert.deepEqual(
    log.map((n) => Number(n.slice(0, 20))),
    Array.from({ length: 2 * perWriter + 1 }, (_, i) => i),
  );
  const table = await DeltaTable.open(dir);
  assert.equal(table.snapshot.version, 2 * perWriter);
  assert.equal(table.snapshot.txnVersion('writer-a'), perWriter);
  assert.equal(table.snapshot.txnVersion('writer-b'), perWriter);
  const conn = await duck(t);
  const got = await rows(conn, `SELECT writer, count(*)::INT AS c, sum(n)::INT AS s FROM ${table.scanSql()} GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(got, [
    { writer: 'writer-a', c: perWriter, s: 120 },
    { writer: 'writer-b', c: perWriter, s: 120 },
  ]);
});

test('two instances: a stale merge retries on the new snapshot, same txn appId conflicts', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const a = await DeltaTable.createIfAbsent(dir, { schema });
  const b = await DeltaTable.open(dir);
  await a.append(conn, `SELECT 1 AS n, 'a' AS writer`);
  // b is stale (version 0) and does not see row n=1; its merge must re-plan and update it.
  const r = await b.merge(conn, {
    sourceSql: `SELECT 1 AS n, 'b' AS writer`,
    on: ['n'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  assert.equal(r.rowsUpdated, 1);
  assert.deepEqual(await rows(conn, `SELECT n::INT AS n, writer FROM ${b.scanSql()}`), [{ n: 1, writer: 'b' }]);

  await a.refresh();
  const c = await DeltaTable.open(dir);
  await a.append(conn, `SELECT 2 AS n, 'a' AS writer`, { txns: [{ appId: 'app', version: 1 }] });
  await assert.rejects(
    c.append(conn, `SELECT 3 AS n, 'c' AS writer`, { txns: [{ appId: 'app', version: 1 }] }),
    (e) => isDeltaError(e, 'DELTA_CONFLICT') && e.context.conflict === 'ConcurrentTransaction' && /Help:/.test(e.message),
  );
  // the loser's data file was cleaned up and not committed
  await c.refresh();
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS n FROM ${c.scanSql()} WHERE writer = 'c'`), [{ n: 0 }]);
});

test('two processes: one appends while the other merges on its own keys; nothing lost, versions contiguous, rows exact', async (t) => {
  const dir = await tempDir(t);
  const mixed = { type: 'struct' as const, fields: [...schema.fields, { name: 'v', type: 'long' as const, nullable: true }] };
  await DeltaTable.createIfAbsent(dir, { schema: mixed, properties: { 'delta.checkpointInterval': '5', 'delta.enableChangeDataFeed': 'true' } });
  const appends = 40;
  const merges = 25;
  const mergeWorker = fileURLToPath(new URL('../test-support/merge-worker.ts', import.meta.url));
  await Promise.all([run(process.execPath, [worker, dir, 'appender', String(appends)]), run(process.execPath, [mergeWorker, dir, 'merger', String(merges)])]);
  const log = (await readdir(path.join(dir, '_delta_log'))).filter((n) => n.endsWith('.json')).sort();
  assert.deepEqual(
    log.map((n) => Number(n.slice(0, 20))),
    Array.from({ length: 1 + appends + merges }, (_, i) => i),
  );
  const table = await DeltaTable.open(dir);
  assert.equal(table.snapshot.txnVersion('appender'), appends);
  assert.equal(table.snapshot.txnVersion('merger'), merges);
  const conn = await duck(t);
  assert.deepEqual(await rows(conn, `SELECT count(*)::INT AS c, sum(n)::INT AS s FROM ${table.scanSql()} WHERE writer = 'appender'`), [
    { c: appends, s: (appends * (appends + 1)) / 2 },
  ]);
  // expected v per key: the last merge j that touched it
  const expected = new Map<number, number>();
  for (let j = 1; j <= merges; j++) for (const n of [(j % 5) + 1, ((j + 2) % 5) + 1]) expected.set(n, j);
  assert.deepEqual(
    await rows(conn, `SELECT n::INT AS n, v::INT AS v FROM ${table.scanSql()} WHERE writer = 'merger' ORDER BY n`),
    [...expected].sort((a, b) => a[0] - b[0]).map(([n, v]) => ({ n, v })),
  );
  // the change feed tells the same story: every append an insert, every merge its own changes
  const changes = await rows(conn, `SELECT writer, _change_type AS type, count(*)::INT AS c FROM ${await table.changesSql(1)} GROUP BY ALL ORDER BY ALL`);
  assert.deepEqual(changes, [
    { writer: 'appender', type: 'insert', c: appends },
    { writer: 'merger', type: 'insert', c: 5 },
    { writer: 'merger', type: 'update_postimage', c: 2 * merges - 5 },
    { writer: 'merger', type: 'update_preimage', c: 2 * merges - 5 },
  ]);
});

test('a stale merge is not stopped by a concurrent append of keys it cannot match, but is by one it could', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const a = await DeltaTable.createIfAbsent(dir, { schema });
  const b = await DeltaTable.open(dir, { maxOperationRetries: 0 });
  await b.append(conn, `SELECT 1 AS n, 'b' AS writer`);
  await a.refresh();
  await a.append(conn, `SELECT 100 AS n, 'a' AS writer`); // b is now stale
  const r = await b.merge(conn, { sourceSql: `SELECT 1 AS n, 'b2' AS writer`, on: ['n'], whenMatched: [{ action: 'update' }] });
  assert.equal(r.version, 3);
  await a.refresh();
  await a.append(conn, `SELECT 7 AS n, 'a' AS writer`); // within the next merge's key range [5, 9]
  await assert.rejects(
    b.merge(conn, { sourceSql: `SELECT 5 AS n, 'x' AS writer UNION ALL SELECT 9, 'y'`, on: ['n'], whenNotMatched: [{ action: 'insert' }] }),
    (e) => isDeltaError(e, 'DELTA_CONFLICT') && e.context.conflict === 'ConcurrentAppend',
  );
});
