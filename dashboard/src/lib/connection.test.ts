import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectionReducer,
  describeGap,
  eventsMissedInGap,
  initialConnectionState,
  reconnectDelayMs,
  staleAfterMs,
  type ConnectionAction,
  type ConnectionState,
} from './connection.ts';
import { formatDuration } from './format.ts';

function run(actions: ConnectionAction[], start = initialConnectionState(0)): ConnectionState {
  return actions.reduce(connectionReducer, start);
}

test('a failure before the first connection is not a gap', () => {
  const s = run([
    { type: 'lost', at: 10 },
    { type: 'opened', at: 20 },
  ]);
  assert.equal(s.status, 'connected');
  assert.equal(s.gaps.length, 0);
  assert.equal(s.openCount, 1);
});

test('a lost connection opens a gap that closes on reconnect and learns what the service received meanwhile', () => {
  let s = run([
    { type: 'opened', at: 1000 },
    { type: 'stats', at: 2000, totalReceived: 100 },
    { type: 'lost', at: 3000 },
    { type: 'lost', at: 3500 }, // repeated errors while down do not start new gaps
  ]);
  assert.equal(s.status, 'reconnecting');
  assert.equal(s.since, 3000);
  assert.equal(s.gaps.length, 1);
  assert.equal(s.gaps[0].to, null);
  assert.match(describeGap(s.gaps[0], 15_000, formatDuration), /^Disconnected for 12 s\./);

  s = run(
    [
      { type: 'opened', at: 15_000 },
      { type: 'stats', at: 16_000, totalReceived: 160 },
      { type: 'stats', at: 17_000, totalReceived: 170 },
    ],
    s,
  );
  assert.equal(s.status, 'connected');
  assert.equal(s.openCount, 2);
  assert.deepEqual(s.gaps[0], { from: 3000, to: 15_000, receivedBefore: 100, receivedAfter: 160, serverRestarted: false });
  assert.equal(eventsMissedInGap(s.gaps[0]), 60);
  const text = describeGap(s.gaps[0], 99_999, formatDuration);
  assert.match(text, /Reconnected after 12 s disconnected/);
  assert.match(text, /not seen by this page/);
  assert.match(text, /received 60 events meanwhile/);
});

test('counters going backwards mean the service restarted: no count of missed events is claimed', () => {
  const s = run([
    { type: 'opened', at: 0 },
    { type: 'stats', at: 1, totalReceived: 500 },
    { type: 'lost', at: 2 },
    { type: 'opened', at: 3 },
    { type: 'stats', at: 4, totalReceived: 20 },
  ]);
  assert.equal(s.gaps[0].serverRestarted, true);
  assert.equal(eventsMissedInGap(s.gaps[0]), null);
  assert.match(describeGap(s.gaps[0], 5, formatDuration), /service restarted meanwhile/);
});

test('a service start time inside the gap marks a restart even when counters grew past the old total', () => {
  let s = run([
    { type: 'opened', at: 0 },
    { type: 'stats', at: 1000, totalReceived: 5 },
    { type: 'lost', at: 10_000 },
    { type: 'opened', at: 60_000 },
    { type: 'stats', at: 61_000, totalReceived: 300 },
  ]);
  assert.equal(eventsMissedInGap(s.gaps[0]), 295);
  s = connectionReducer(s, { type: 'server-started', startedAt: 20_000 });
  assert.equal(s.gaps[0].serverRestarted, true);
  assert.equal(eventsMissedInGap(s.gaps[0]), null);
  // A start long before the gap changes nothing.
  const t = run([
    { type: 'opened', at: 0 },
    { type: 'lost', at: 10_000 },
    { type: 'opened', at: 20_000 },
    { type: 'server-started', startedAt: 0 },
  ]);
  assert.equal(t.gaps[0].serverRestarted, false);
});

test('an open gap measured with a clock that has not ticked yet is zero long, not negative', () => {
  const s = run([
    { type: 'opened', at: 0 },
    { type: 'lost', at: 5000 },
  ]);
  assert.match(describeGap(s.gaps[0], 4900, formatDuration), /^Disconnected for 0 ms\./);
});

test('stale timeout follows the heartbeat knobs, and backoff is capped', () => {
  assert.equal(staleAfterMs(undefined), 47_000);
  assert.equal(staleAfterMs({ SSE_HEARTBEAT_INTERVAL_SEC: 15, SSE_CDC_STATS_INTERVAL_SEC: 1 }), 47_000);
  assert.equal(staleAfterMs({ SSE_HEARTBEAT_INTERVAL_SEC: 0.5 }), 5000);
  assert.equal(staleAfterMs({ SSE_HEARTBEAT_INTERVAL_SEC: '10' }), 32_000);
  assert.equal(reconnectDelayMs(0), 1000);
  assert.equal(reconnectDelayMs(2), 4000);
  assert.equal(reconnectDelayMs(50), 10_000);
});
