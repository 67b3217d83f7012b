import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaTable } from '../index.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';
import { parseTimestampMicros } from './stats.ts';

test('stats: min/max/nullCount for long, decimal, string, timestamp, date, double', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  await conn.run("SET TimeZone = 'America/New_York'"); // stats must not depend on the session zone
  const table = await DeltaTable.createIfAbsent(dir, {
    schema: {
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: true },
        { name: 'amount', type: 'decimal(12,3)', nullable: true },
        { name: 'name', type: 'string', nullable: true },
        { name: 'ts', type: 'timestamp', nullable: true },
        { name: 'd', type: 'date', nullable: true },
        { name: 'x', type: 'double', nullable: true },
        { name: 'flag', type: 'boolean', nullable: true },
        { name: 'empty', type: 'integer', nullable: true },
      ],
    },
  });
  await table.append(
    conn,
    `SELECT * FROM (VALUES
    (-5, 123456789.125, 'apple', TIMESTAMPTZ '2024-03-01 10:00:00.123999+00', DATE '2024-03-01', 1.5, true, NULL),
    (9007199254740993, -0.5, 'zebra', TIMESTAMPTZ '2024-03-02 10:00:00.000001+00', DATE '2024-03-05', -2.25, false, NULL),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
  ) v(id, amount, name, ts, d, x, flag, empty)`,
  );
  const stats = JSON.parse(table.snapshot.files[0].stats!);
  assert.equal(stats.numRecords, 3);
  assert.deepEqual(stats.nullCount, { id: 1, amount: 1, name: 1, ts: 1, d: 1, x: 1, flag: 1, empty: 3 });
  // the raw JSON keeps big integers exact
  assert.match(table.snapshot.files[0].stats!, /"maxValues":\{"id":9007199254740993,/);
  assert.equal(stats.minValues.id, -5);
  assert.equal(stats.minValues.amount, -0.5);
  assert.equal(stats.maxValues.amount, 123456789.125);
  assert.equal(stats.minValues.name, 'apple');
  assert.equal(stats.maxValues.name, 'zebra');
  assert.equal(stats.minValues.ts, '2024-03-01T10:00:00.123Z'); // rounded down
  assert.equal(stats.maxValues.ts, '2024-03-02T10:00:00.001Z'); // rounded up
  assert.equal(stats.minValues.d, '2024-03-01');
  assert.equal(stats.maxValues.d, '2024-03-05');
  assert.equal(stats.minValues.x, -2.25);
  assert.equal(stats.maxValues.x, 1.5);
  assert.equal('flag' in stats.minValues, false);
  assert.equal('empty' in stats.minValues, false);
});

test('stats: long strings keep a prefix as min and no max', async (t) => {
  const dir = await tempDir(t);
  const conn = await duck(t);
  const table = await DeltaTable.createIfAbsent(dir, { schema: { type: 'struct', fields: [{ name: 's', type: 'string', nullable: true }] } });
  await table.append(conn, `SELECT repeat('b', 40) AS s UNION ALL SELECT repeat('a', 50)`);
  const stats = JSON.parse(table.snapshot.files[0].stats!);
  assert.equal(stats.minValues.s, 'a'.repeat(32));
  assert.equal('s' in stats.maxValues, false);
});

test('parseTimestampMicros honours offsets and refuses zone mismatches', () => {
  assert.equal(parseTimestampMicros('1970-01-01 01:00:00+01', true), 0n);
  assert.equal(parseTimestampMicros('1970-01-01 00:00:00.5-00:30', true), 1_800_500_000n);
  assert.equal(parseTimestampMicros('1970-01-01 00:00:00', true), undefined);
  assert.equal(parseTimestampMicros('1970-01-01 00:00:00.000001', false), 1n);
});
