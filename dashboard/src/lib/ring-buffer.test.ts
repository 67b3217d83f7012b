import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from './ring-buffer.ts';

test('keeps items oldest first until full', () => {
  const ring = new RingBuffer<number>(3);
  assert.deepEqual(ring.toArray(), []);
  assert.equal(ring.last(), undefined);
  ring.push(1);
  ring.push(2);
  assert.deepEqual(ring.toArray(), [1, 2]);
  assert.equal(ring.last(), 2);
  assert.equal(ring.size, 2);
});

test('drops the oldest item once full and wraps around many times', () => {
  const ring = new RingBuffer<number>(3);
  const dropped: number[] = [];
  for (let i = 1; i <= 10; i++) {
    const d = ring.push(i);
    if (d !== undefined) dropped.push(d);
  }
  assert.deepEqual(ring.toArray(), [8, 9, 10]);
  assert.deepEqual(dropped, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ring.size, 3);
  assert.equal(ring.last(), 10);
  ring.clear();
  assert.equal(ring.size, 0);
  assert.deepEqual(ring.toArray(), []);
});

test('refuses a capacity that is not a positive integer', () => {
  assert.throws(() => new RingBuffer(0), RangeError);
  assert.throws(() => new RingBuffer(1.5), RangeError);
});
