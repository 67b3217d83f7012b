import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSeries } from './rate-series.ts';

test('collects points in time order and ignores stale ones', () => {
  const s = new RateSeries(10);
  assert.equal(s.add(100, 5), true);
  assert.equal(s.add(101, 7), true);
  assert.equal(s.add(101, 9), false);
  assert.equal(s.add(99, 9), false);
  assert.deepEqual(s.columns(), [
    [100, 101],
    [5, 7],
  ]);
});

test('a gap is a single null point between the last seen and the next real point', () => {
  const s = new RateSeries(10);
  s.markGap(); // nothing to break yet
  assert.equal(s.size, 0);
  s.add(100, 5);
  s.markGap();
  s.markGap(); // idempotent
  s.add(130, 2);
  const [xs, ys] = s.columns();
  assert.equal(xs.length, 3);
  assert.deepEqual(ys, [5, null, 2]);
  assert.ok(xs[1] > 100 && xs[1] < 130);
});

test('keeps only the newest points', () => {
  const s = new RateSeries(3);
  for (let t = 1; t <= 5; t++) s.add(t, t * 10);
  assert.deepEqual(s.columns(), [
    [3, 4, 5],
    [30, 40, 50],
  ]);
});
