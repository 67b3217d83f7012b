import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  civilFromDays,
  daysFromCivil,
  formatEpochDays,
  formatEpochTimestamp,
  formatTimeOfDay,
  normaliseIsoDate,
  normaliseZonedTime,
  normaliseZonedTimestamp,
} from './temporal.ts';

test('epoch timestamps keep the source precision', () => {
  assert.equal(formatEpochTimestamp(1531481025340000000n, 'ns'), '2018-07-13T11:23:45.340000000Z');
  assert.equal(formatEpochTimestamp(1531481025340123, 'us'), '2018-07-13T11:23:45.340123Z');
  assert.equal(formatEpochTimestamp(1531488225780, 'ms'), '2018-07-13T13:23:45.780Z');
  assert.equal(formatEpochTimestamp(0, 'ns'), '1970-01-01T00:00:00.000000000Z');
});

test('timestamps before 1970 floor towards the past', () => {
  assert.equal(formatEpochTimestamp(-1, 'ms'), '1969-12-31T23:59:59.999Z');
  assert.equal(formatEpochTimestamp(-1, 'us'), '1969-12-31T23:59:59.999999Z');
  assert.equal(formatEpochTimestamp(-1n, 'ns'), '1969-12-31T23:59:59.999999999Z');
  assert.equal(formatEpochTimestamp(-9223372036854775808n, 'ns'), '1677-09-21T00:12:43.145224192Z');
  assert.equal(formatEpochTimestamp(9223372036854775807n, 'ns'), '2262-04-11T23:47:16.854775807Z');
});

test('ms timestamps agree with Date for a spread of instants, both sides of the epoch', () => {
  for (let i = -2000; i <= 2000; i++) {
    const ms = i * 123456789013 + (i % 1000);
    assert.equal(formatEpochTimestamp(ms, 'ms'), new Date(ms).toISOString());
  }
});

test('dates: days since the epoch, including far past and future', () => {
  assert.equal(formatEpochDays(17725), '2018-07-13');
  assert.equal(formatEpochDays(-1), '1969-12-31');
  assert.equal(formatEpochDays(-719528), '0000-01-01');
  assert.equal(formatEpochDays(2932896), '9999-12-31');
  assert.equal(formatEpochDays(-719529), '-000001-12-31');
  for (let days = -800000; days < 3000000; days += 997) {
    const [y, m, d] = civilFromDays(days);
    assert.equal(daysFromCivil(y, m, d), days);
  }
});

test('times of day at ms/µs/ns precision', () => {
  assert.equal(formatTimeOfDay(37425680, 'ms'), '10:23:45.680');
  assert.equal(formatTimeOfDay(37425678900, 'us'), '10:23:45.678900');
  assert.equal(formatTimeOfDay(37425678901200n, 'ns'), '10:23:45.678901200');
  assert.equal(formatTimeOfDay(86400000000, 'us'), '24:00:00.000000'); // PostgreSQL '24:00'
  assert.equal(formatTimeOfDay(-1, 'us'), '-00:00:00.000001'); // MySQL negative TIME
});

test('zoned timestamps normalise to UTC and keep their fractional digits', () => {
  assert.equal(normaliseZonedTimestamp('2018-07-13T12:23:45.456+11:00', true), '2018-07-13T01:23:45.456Z');
  assert.equal(normaliseZonedTimestamp('2018-07-13T12:23:45.456789123-02:30', true), '2018-07-13T14:53:45.456789123Z');
  assert.equal(normaliseZonedTimestamp('1969-12-31T23:30:00-01:00', true), '1970-01-01T00:30:00Z');
  assert.equal(normaliseZonedTimestamp('2019-07-09T02:28:57.123456Z', true), '2019-07-09T02:28:57.123456Z');
  assert.equal(normaliseZonedTimestamp('2019-07-09T02:28:57', true), null);
  assert.equal(normaliseZonedTimestamp('2019-07-09T02:28:57', false), '2019-07-09T02:28:57Z');
  assert.equal(normaliseZonedTimestamp('yesterday', false), null);
});

test('iso dates and zoned times', () => {
  assert.equal(normaliseIsoDate('2017-09-15Z'), '2017-09-15');
  assert.equal(normaliseZonedTime('04:05:11.789Z'), '04:05:11.789');
  assert.equal(normaliseZonedTime('01:00:00+02:00'), '23:00:00');
  assert.equal(normaliseZonedTime('noon'), null);
});

test('the double fast path agrees with the bigint path, both sides of the epoch and at its limit', () => {
  const values = [
    0,
    1,
    -1,
    999,
    -999,
    1000,
    -1000,
    86_399_999,
    86_400_000,
    -86_400_001,
    1_531_481_025_340_123,
    -62_135_596_800_000,
    2 ** 52,
    -(2 ** 52),
    2 ** 52 - 1,
  ];
  let seed = 11;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    values.push(Math.round((seed / 2147483648 - 0.5) * 2 ** (i % 53)));
  }
  for (const v of values) {
    for (const unit of ['ms', 'us', 'ns'] as const) {
      assert.equal(formatEpochTimestamp(v, unit), formatEpochTimestamp(BigInt(v), unit), `${v} ${unit}`);
      assert.equal(formatTimeOfDay(v, unit), formatTimeOfDay(BigInt(v), unit), `${v} ${unit}`);
    }
  }
});
