// Failure behaviour of the service on the embedded default: a fatal lakehouse error is reported and
// stops the worker (and nothing is lost once fixed and restarted); a client that never reads is
// trimmed then disconnected while others receive everything; bad configuration stops start-up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { renameSync, writeFileSync, rmSync } from 'node:fs';
import { generate, startService, SseCollector, waitFor, REPO, type ServiceProcess } from '../helpers/service-process.ts';
import { diffRows, silverTickets, sourceTickets } from '../helpers/lake.ts';

const SOURCES = ['shorisql_1', 'shorisql_2'];
const running: ServiceProcess[] = [];
after(async () => {
  for (const s of running) await s.kill();
});

test('a fatal lakehouse error is reported (SSE and health), stops the worker, and loses nothing once fixed', async () => {
  const service = await startService({
    GENERATOR_ENABLED: 'false',
    LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.3',
    GOLD_REFRESH_INTERVAL_SEC: '0.5',
    KAFKA_CONSUMER_RESTART_BACKOFF_SEC: '0.2',
  });
  running.push(service);
  const sse = new SseCollector(service.url);
  await generate(service.dataDir, ['--count', '200', '--rate', '0', '--seed', '1']);
  await waitFor('a first batch', async () => (await service.health()).counters.batches_ok >= 1);

  // Break Silver: its log folder replaced by a file (root ignores permissions, a file does not yield).
  const log = join(service.dataDir, 'datalake/silver/tickets/_delta_log');
  renameSync(log, `${log}.moved`);
  writeFileSync(log, 'not a folder');
  await generate(service.dataDir, ['--count', '100', '--rate', '0', '--seed', '2']);

  const fatal = await waitFor('a fatal pipeline_error', () => sse.ofType('pipeline_error').find((e) => e.data.fatal), 60_000);
  assert.ok(fatal.data.message.length > 0);
  const health = await service.health();
  assert.equal(health.lakehouse_running, false);
  assert.equal(health.lakehouse_alive, false);
  assert.equal(health.status, 'degraded');
  assert.equal(health.counters.last_error, fatal.data.message);
  // What leaves the service names paths relative to the lake, never the data folder itself.
  assert.equal(fatal.data.message.includes(service.dataDir), false, fatal.data.message);
  assert.match(fatal.data.message, /silver\/tickets/);
  assert.ok(health.counters.batches_failed >= 3, 'retried before giving up');
  assert.ok(health.ui_consumer_alive, 'the UI consumer is unaffected');

  // Restarting a running worker is refused; after the fix a restart catches up with nothing lost.
  rmSync(log);
  renameSync(`${log}.moved`, log);
  const admin = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
  const restart = await fetch(`${service.url}/api/lakehouse/restart`, admin);
  assert.equal(restart.status, 200);
  assert.equal((await fetch(`${service.url}/api/lakehouse/restart`, admin)).status, 409);
  await waitFor('the cleared notice', () => sse.ofType('pipeline_error').some((e) => e.data.cleared === true));
  await waitFor('catch-up after the restart', async () => {
    const h = await service.health();
    return h.lakehouse_running && h.status === 'ok' && !h.lakehouse_pending && h.lag.length > 0 && h.lag.every((p) => p.lag === 0);
  });
  assert.deepEqual(diffRows(sourceTickets(service.dataDir, SOURCES), await silverTickets(service.dataDir)), []);
  sse.close();
  assert.equal(await service.stop(), 0);
});

test('SSE backpressure: a client that never reads is trimmed then disconnected; the others receive everything', async () => {
  const service = await startService({
    GENERATOR_ENABLED: 'false',
    SSE_EMIT_CDC_RAW: 'true',
    SSE_CLIENT_QUEUE_SIZE: '2000',
    SSE_CLIENT_OVERFLOW_LIMIT: '50',
    LAKEHOUSE_FLUSH_INTERVAL_SEC: '1',
  });
  running.push(service);
  const reader = new SseCollector(service.url);
  // The slow client: sends the request, then never reads a byte.
  const slow = connect(service.port, '127.0.0.1');
  let slowClosed = false;
  slow.on('close', () => (slowClosed = true));
  slow.on('error', () => undefined);
  slow.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${service.port}\r\nAccept: text/event-stream\r\n\r\n`);
  slow.pause();
  await waitFor('both clients connected', async () => (await service.health()).clients === 2);

  const counts = await generate(service.dataDir, ['--count', '20000', '--rate', '0', '--seed', '3']);
  const expected = counts.inserts + counts.updates + counts.deletes + counts.keyChanges;
  await waitFor('the server to drop the slow client', async () => (await service.health()).clients === 1, 120_000);
  // A paused socket only sees the server's close once it reads again.
  slow.resume();
  await waitFor('the slow client to see its connection closed', () => slowClosed, 30_000);
  await waitFor('the reading client to receive every change', () => reader.ofType('cdc_raw').length >= expected, 120_000);
  const health = await service.health();
  assert.ok(health.counters.events_dropped >= 50, `drops counted (${health.counters.events_dropped})`);
  assert.equal(reader.ofType('cdc_raw').length, expected, 'the reading client lost nothing');
  assert.equal(new Set(reader.ofType('cdc_raw').map((e) => `${e.data.topic}/${e.data.offset}`)).size, expected);
  assert.equal(reader.closedByServer, false);
  reader.close();
  slow.destroy();
  assert.equal(await service.stop(), 0);
});

test('bad configuration stops start-up with a clear message and a non-zero exit', async () => {
  const child = spawn(process.execPath, [join(REPO, 'src/main.ts')], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: 'eighty',
      SSE_CLIENT_QUEUE_SIZE: '0',
      SSE_EMIT_CDC_RAW: 'sometimes',
      SQLSERVER_SA_PASSWORD: 'Pa55word!',
      DATA_DIR: '/nonexistent/never-created',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /PORT="eighty"/);
  assert.match(stderr, /SSE_CLIENT_QUEUE_SIZE="0": must be greater than 0/);
  assert.match(stderr, /SSE_EMIT_CDC_RAW="sometimes": must be true or false/);
  assert.equal(stderr.includes('Pa55word!'), false, 'no secret in the message');
});
