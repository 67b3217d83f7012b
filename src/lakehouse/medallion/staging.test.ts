import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { stageRows } from './staging.ts';

const columns = [
  { name: 'id', type: 'INTEGER' as const },
  { name: 'note', type: 'VARCHAR' as const },
  { name: 'payload', type: 'UTF8' as const },
];

test('UTF8 columns read back as the text the bytes spell, invalid sequences as Buffer.toString gives them', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0xc3, 0x7d]); // lone bytes and a cut sequence
  const texts = ['{"Title":"café 東京 🚀"}', '', 'plain'];
  const rows = [
    [1, 'a', Buffer.from(texts[0], 'utf8')],
    [2, null, Buffer.from(texts[1], 'utf8')],
    [3, 'c', null],
    [4, 'd', invalid],
    [5, 'e', texts[2]],
    // a view of part of a larger buffer (as Kafka records are)
    [6, 'f', Buffer.from(`xx${texts[0]}yy`, 'utf8').subarray(2, 2 + Buffer.byteLength(texts[0]))],
  ];
  await stageRows(conn, 'stage_t', columns, rows);
  const read = (await conn.runAndReadAll('SELECT id, note, payload, typeof(payload) AS t FROM stage_t ORDER BY id')).getRowObjectsJson();
  assert.deepEqual(
    read.map((r) => r.payload),
    [texts[0], texts[1], null, invalid.toString('utf8'), texts[2], texts[0]],
  );
  assert.deepEqual(
    read.map((r) => r.note),
    ['a', null, 'c', 'd', 'e', 'f'],
  );
  assert.equal(read[0].t, 'VARCHAR');
  // Staging again replaces the rows (a fresh batch), also with no rows at all.
  await stageRows(conn, 'stage_t', columns, [[7, 'g', Buffer.from('x')]]);
  assert.deepEqual((await conn.runAndReadAll('SELECT id, payload FROM stage_t')).getRowObjectsJson(), [{ id: 7, payload: 'x' }]);
  await stageRows(conn, 'stage_t', columns, []);
  assert.equal((await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM stage_t')).getRowObjectsJson()[0].n, 0);
  conn.closeSync();
  db.closeSync();
});

test('packed columns read back exactly: integers beyond 2^53, quotes, control characters, lone surrogates as U+FFFD', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const cols = [
    { name: 'n', type: 'INTEGER' as const },
    { name: 'big', type: 'BIGINT' as const },
    { name: 's', type: 'VARCHAR' as const },
  ];
  const rows = [
    [1, 9007199254740993n, 'quote " backslash \\ tab \t newline \n nul \u0000 end'],
    [2, '-9223372036854775808', 'lone \ud800 surrogate, pair 🚀'],
    [3, 42, null],
    [4, null, '\\ud800 as text'],
  ];
  await stageRows(conn, 'stage_p', cols, rows);
  const read = (await conn.runAndReadAll('SELECT n, big::VARCHAR AS big, s, typeof(n) AS tn, typeof(big) AS tb FROM stage_p ORDER BY n')).getRowObjectsJson();
  assert.deepEqual(
    read.map((r) => [r.n, r.big, r.s]),
    [
      [1, '9007199254740993', 'quote " backslash \\ tab \t newline \n nul \u0000 end'],
      [2, '-9223372036854775808', 'lone \ufffd surrogate, pair 🚀'],
      [3, '42', null],
      [4, null, '\\ud800 as text'],
    ],
  );
  assert.deepEqual([read[0].tn, read[0].tb], ['INTEGER', 'BIGINT']);
  conn.closeSync();
  db.closeSync();
});
