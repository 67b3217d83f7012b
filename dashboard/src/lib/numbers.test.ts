import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toEpochMs, toLabel, toNumber } from './numbers.ts';

test('toNumber parses numbers, numeric strings and bigints, and refuses the rest', () => {
  assert.equal(toNumber(42), 42);
  assert.equal(toNumber('1234.50'), 1234.5);
  assert.equal(toNumber(' 7 '), 7);
  assert.equal(toNumber(10n), 10);
  assert.equal(toNumber('9007199254740993'), 9007199254740992);
  assert.equal(toNumber(''), null);
  assert.equal(toNumber('abc'), null);
  assert.equal(toNumber(null), null);
  assert.equal(toNumber(undefined), null);
  assert.equal(toNumber(Number.NaN), null);
  assert.equal(toNumber(Infinity), null);
  assert.equal(toNumber({}), null);
});

test('toLabel names missing groups', () => {
  assert.equal(toLabel('open'), 'open');
  assert.equal(toLabel(3), '3');
  assert.equal(toLabel(null), '(none)');
  assert.equal(toLabel(' '), '(none)');
});

test('toEpochMs reads ISO timestamps with microseconds, without a zone, and epoch numbers', () => {
  assert.equal(toEpochMs('2026-11-24T08:00:00.123456Z'), Date.UTC(2026, 10, 24, 8, 0, 0, 123));
  assert.equal(toEpochMs('2026-11-24 08:01:00'), Date.UTC(2026, 10, 24, 8, 1, 0));
  assert.equal(toEpochMs('2026-11-24T09:00:00+01:00'), Date.UTC(2026, 10, 24, 8, 0, 0));
  assert.equal(toEpochMs('2026-11-24 08:13:00+00'), Date.UTC(2026, 10, 24, 8, 13, 0));
  assert.equal(toEpochMs('2026-11-24 10:13:00.5+02'), Date.UTC(2026, 10, 24, 8, 13, 0, 500));
  assert.equal(toEpochMs(1_700_000_000_000), 1_700_000_000_000);
  assert.equal(toEpochMs(1_700_000_000_000_000), 1_700_000_000_000);
  assert.equal(toEpochMs('not a date'), null);
  assert.equal(toEpochMs(null), null);
});
