import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientQueue } from './client-queue.ts';

function harness(capacity: number, overflowLimit: number) {
  const written: string[] = [];
  let writable = true;
  let disconnected: string | null = null;
  let drops = 0;
  const queue = new ClientQueue({
    capacity,
    overflowLimit,
    write: (chunk) => {
      written.push(chunk);
      return writable;
    },
    disconnect: (reason) => (disconnected = reason),
    onDrop: () => drops++,
  });
  return {
    queue,
    written,
    setWritable: (w: boolean) => (writable = w),
    get disconnected() {
      return disconnected;
    },
    get drops() {
      return drops;
    },
  };
}

test('writes straight through while the socket accepts', () => {
  const h = harness(3, 2);
  for (const m of ['a', 'b', 'c', 'd']) h.queue.push(m);
  assert.deepEqual(h.written, ['a', 'b', 'c', 'd']);
  assert.equal(h.queue.size, 0);
  assert.equal(h.drops, 0);
});

test('queues while blocked, drops the oldest on overflow, resumes on drain in order', () => {
  const h = harness(3, 10);
  h.setWritable(false);
  h.queue.push('a'); // written, socket now wants a drain
  for (const m of ['b', 'c', 'd', 'e']) h.queue.push(m); // queue holds 3: b dropped
  assert.deepEqual(h.written, ['a']);
  assert.equal(h.queue.size, 3);
  assert.equal(h.queue.dropped, 1);
  assert.equal(h.drops, 1);
  h.setWritable(true);
  h.queue.drained();
  assert.deepEqual(h.written, ['a', 'c', 'd', 'e']);
  assert.equal(h.disconnected, null);
});

test('disconnects a client that overflows the limit', () => {
  const h = harness(2, 3);
  h.setWritable(false);
  h.queue.push('x');
  for (let i = 0; i < 10; i++) h.queue.push(`m${i}`);
  assert.match(h.disconnected ?? '', /overflowed its queue of 2 messages 3 times/);
  assert.equal(h.queue.closed, true);
  assert.equal(h.queue.dropped, 3);
  const before = h.written.length;
  h.queue.push('late');
  assert.equal(h.written.length, before, 'nothing is written after disconnection');
});
