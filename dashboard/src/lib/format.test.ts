import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatDuration, formatInt, formatMoney, formatRate } from './format.ts';

test('counts and rates', () => {
  assert.equal(formatInt(1234567), '1,234,567');
  assert.equal(formatInt(0), '0');
  assert.equal(formatInt(null), '–');
  assert.equal(formatRate(4.25), '4.3');
  assert.equal(formatRate(0), '0.0');
  assert.equal(formatMoney(1234.5), '1,234.50');
  assert.equal(formatRate(Number.NaN), '–');
});

test('durations pick a readable unit', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(1500), '1.5 s');
  assert.equal(formatDuration(12_300), '12 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
  assert.equal(formatDuration(120_000), '2 min');
  assert.equal(formatDuration(2 * 3600_000 + 4 * 60_000), '2 h 4 min');
  assert.equal(formatDuration(27 * 3600_000), '1 d 3 h');
  assert.equal(formatDuration(-1500), '-1.5 s');
  assert.equal(formatDuration(null), '–');
});

test('ages', () => {
  assert.equal(formatAge(null, 1000), 'never');
  assert.equal(formatAge(1000, 1500), 'just now');
  assert.equal(formatAge(1000, 13_000), '12 s ago');
});
