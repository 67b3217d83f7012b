// A record decoded ahead of its batch gives Bronze exactly the result decoding it then would: the
// early result is taken once (a retried append decodes again), for changes, bad input and a record
// with neither key nor value alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { change, raw } from './medallion-fixtures.ts';
import { decodeAhead, decodeRecord } from './record-decoding.ts';

test('decoded ahead: the same result as decoding at the batch, taken once', () => {
  const records = [change(0, 1, 'c', { TicketID: 1 }), raw(1, '{not json'), raw(2, null, null)];
  const fresh = records.map((r) => decodeRecord(r));
  decodeAhead(records);
  const early = records.map((r) => decodeRecord(r));
  assert.deepEqual(early, fresh);
  assert.equal(early[0].ok, true);
  assert.equal(early[1].ok, false);
  assert.deepEqual(early[2], { ok: true, value: { kind: 'tombstone', key: null } });
});

test('the early result is the one Bronze gets, once; later calls decode the record as it is then', () => {
  const record = change(0, 1, 'c', { TicketID: 1 });
  decodeAhead([record]);
  const bytes = record.value;
  record.value = Buffer.from('{not json');
  assert.equal(decodeRecord(record).ok, true, 'the result decoded ahead');
  assert.equal(decodeRecord(record).ok, false, 'taken once: decoded anew');
  record.value = bytes;
  assert.equal(decodeRecord(record).ok, true);
});
