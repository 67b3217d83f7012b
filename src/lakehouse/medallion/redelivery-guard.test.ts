import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedeliveryGuard } from './redelivery-guard.ts';
import type { FeedRecord } from '../../feeds/feed.ts';
import type { DecodeResult } from '../../sources/debezium/types.ts';

const rec = (position: number, key: string, tombstone = false): FeedRecord => ({
  stream: 'shoripg.public.Tickets',
  partition: 0,
  position,
  key: Buffer.from(key),
  value: tombstone ? null : Buffer.from('{}'),
  timestamp: 0,
});

const change = (op: 'c' | 'u' | 'd', seq: string): DecodeResult => ({
  ok: true,
  value: { kind: 'change', op, seq, key: null, before: null, after: null, source: { connector: 'postgresql', name: 'shoripg', db: 'ticketsdb', schema: 'public', table: 'Tickets', tsMs: 0, snapshot: false, position: {} }, tsMs: null, fields: null, transactionId: null },
});
const tomb: DecodeResult = { ok: true, value: { kind: 'tombstone', key: null } };

test('a replay after a connector restart is recognised, including a key update sharing one order key and its tombstone', async () => {
  const guard = new RedeliveryGuard(async () => null);
  // First delivery: c(1)@a, d(1)@b + tombstone, PK update at one seq c: d(2)+tombstone, c(3).
  const first = [rec(0, '1'), rec(1, '1'), rec(2, '1', true), rec(3, '2'), rec(4, '2', true), rec(5, '3')];
  const firstDecoded = [change('c', 'a'), change('d', 'b'), tomb, change('d', 'c'), tomb, change('c', 'c')];
  const p1 = await guard.plan(first, firstDecoded);
  assert.deepEqual(p1.isNew, [true, true, true, true, true, true]);
  p1.commit();
  // The connector restarts and re-publishes from seq b, then goes on with new changes.
  const replay = [rec(6, '1'), rec(7, '1', true), rec(8, '2'), rec(9, '2', true), rec(10, '3'), rec(11, '4'), rec(12, '4')];
  const replayDecoded = [change('d', 'b'), tomb, change('d', 'c'), tomb, change('c', 'c'), change('c', 'd'), change('u', 'e')];
  const p2 = await guard.plan(replay, replayDecoded);
  assert.deepEqual(p2.isNew, [false, false, false, false, false, true, true]);
  assert.equal(p2.duplicates, 5);
});

test('a failed batch leaves the marks unchanged; marks load from storage once per partition and reload after forget', async () => {
  let loads = 0;
  const guard = new RedeliveryGuard(async () => (loads++, { seq: 'm', ids: new Set(['c|9']) }));
  const batch = [rec(0, '9'), rec(1, '8'), rec(2, '7')];
  const decoded = [change('c', 'm'), change('c', 'm'), change('u', 'n')];
  const failed = await guard.plan(batch, decoded);
  assert.deepEqual(failed.isNew, [false, true, true]);
  // Not committed (the Delta write failed): the retry must see the same thing.
  const retry = await guard.plan(batch, decoded);
  assert.deepEqual(retry.isNew, [false, true, true]);
  retry.commit();
  assert.deepEqual((await guard.plan(batch, decoded)).isNew, [false, false, false]);
  assert.equal(loads, 1);
  guard.forget([{ stream: 'shoripg.public.Tickets', partition: 0 }]);
  await guard.plan(batch, decoded);
  assert.equal(loads, 2);
});
