import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthResponse } from '../../../src/contracts/api.ts';
import { bannerReducer } from './error-banner.ts';

function health(running: boolean, lastError: string | null): HealthResponse {
  return {
    status: running && lastError === null ? 'ok' : 'degraded',
    feed: 'embedded',
    ui_consumer_alive: true,
    lakehouse_alive: running,
    lakehouse_running: running,
    lakehouse_pending: false,
    clients: 1,
    counters: {
      events_received: 1,
      events_dropped: 0,
      batches_ok: 1,
      batches_failed: 0,
      last_batch_at: null,
      last_error: lastError,
      last_error_at: null,
      decode_errors: 0,
      events_rejected: 0,
      events_redelivered: 0,
    },
    lag: [],
    knobs: {},
    uptime_sec: 10,
    warnings: [],
  };
}

test('an error stays up until cleared, and fatal sticks within an episode', () => {
  let s = bannerReducer(null, { type: 'pipeline_error', at: 1, data: { message: 'commit failed', fatal: true, code: 'DELTA_IO' } });
  assert.equal(s?.fatal, true);
  assert.equal(s?.code, 'DELTA_IO');
  s = bannerReducer(s, { type: 'pipeline_error', at: 2, data: { message: 'still broken', fatal: false } });
  assert.equal(s?.message, 'still broken');
  assert.equal(s?.fatal, true);
  assert.equal(s?.since, 1);
  assert.equal(s?.count, 2);
  // A health poll while the worker is still down keeps it.
  s = bannerReducer(s, { type: 'health', at: 3, health: health(false, 'still broken') });
  assert.notEqual(s, null);
  s = bannerReducer(s, { type: 'pipeline_error', at: 4, data: { message: 'ok again', fatal: false, cleared: true } });
  assert.equal(s, null);
});

test('health that shows the lakehouse running with no error clears the banner', () => {
  const s = bannerReducer(null, { type: 'pipeline_error', at: 1, data: { message: 'x', fatal: false } });
  assert.notEqual(s, null);
  assert.equal(bannerReducer(s, { type: 'health', at: 2, health: health(true, 'x') })?.message, 'x');
  assert.equal(bannerReducer(s, { type: 'health', at: 2, health: health(true, null) }), null);
});

test('a stopped worker seen only through health raises the banner', () => {
  const s = bannerReducer(null, { type: 'health', at: 5, health: health(false, 'disk full') });
  assert.deepEqual(s, { message: 'disk full', fatal: true, code: null, since: 5, count: 0, origin: 'health' });
  // Not running but no error yet (starting up): no banner.
  assert.equal(bannerReducer(null, { type: 'health', at: 5, health: health(false, null) }), null);
});
