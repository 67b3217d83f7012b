import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope } from './sse.ts';

test('parses a well-formed envelope', () => {
  const env = parseEnvelope('cdc_stats', JSON.stringify({ type: 'cdc_stats', ts: '2026-11-24T08:00:00.000001Z', data: { events_per_sec: 2 } }));
  assert.deepEqual(env, { type: 'cdc_stats', ts: '2026-11-24T08:00:00.000001Z', data: { events_per_sec: 2 } });
});

test('the event name fills a missing type; a heartbeat without data gets an empty object', () => {
  const env = parseEnvelope('heartbeat', JSON.stringify({ ts: 'x' }));
  assert.deepEqual(env, { type: 'heartbeat', ts: 'x', data: {} });
});

test('drops malformed, mismatched and unknown messages', () => {
  assert.equal(parseEnvelope('cdc_stats', 'not json'), null);
  assert.equal(parseEnvelope('cdc_stats', '42'), null);
  assert.equal(parseEnvelope('cdc_stats', JSON.stringify({ type: 'cdc_raw', ts: 'x', data: {} })), null);
  assert.equal(parseEnvelope('cdc_stats', JSON.stringify({ type: 'cdc_stats', ts: 'x', data: 'oops' })), null);
  assert.equal(parseEnvelope('surprise', JSON.stringify({ type: 'surprise', ts: 'x', data: {} })), null);
});
