import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, publicKnobs } from './index.ts';
import { isShoriError } from '../errors.ts';

test('defaults: embedded feed, port 8000, ./data', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8000);
  assert.equal(config.DATA_DIR, './data');
  assert.deepEqual(config.KAFKA_BOOTSTRAP_SERVERS, []);
  assert.deepEqual(config.EMBEDDED_SOURCES, ['shorisql_1', 'shorisql_2']);
  assert.equal(config.SSE_EMIT_CDC_RAW, false);
});

test('values are parsed and typed', () => {
  const config = loadConfig({ PORT: '9001', SSE_EMIT_CDC_RAW: 'true', KAFKA_BOOTSTRAP_SERVERS: 'a:9092, b:9092', LAKEHOUSE_FLUSH_INTERVAL_SEC: '0.5' });
  assert.equal(config.PORT, 9001);
  assert.equal(config.SSE_EMIT_CDC_RAW, true);
  assert.deepEqual(config.KAFKA_BOOTSTRAP_SERVERS, ['a:9092', 'b:9092']);
  assert.equal(config.LAKEHOUSE_FLUSH_INTERVAL_SEC, 0.5);
});

test('a bad value names the variable, the value and what is allowed', () => {
  assert.throws(
    () => loadConfig({ LAKEHOUSE_MAX_BATCH_SIZE: '-3', SSE_EMIT_CDC_RAW: 'maybe' }),
    (error: unknown) =>
      isShoriError(error, 'SHORI_CONFIG_INVALID') &&
      /LAKEHOUSE_MAX_BATCH_SIZE="-3": must be greater than 0/.test(error.message) &&
      /SSE_EMIT_CDC_RAW="maybe": must be true or false/.test(error.message),
  );
});

test('secrets are never shown, not even when invalid', () => {
  const knobs = publicKnobs(loadConfig({ SQLSERVER_SA_PASSWORD: 'Sup3r$ecret' }));
  assert.equal('SQLSERVER_SA_PASSWORD' in knobs, false);
  assert.equal(JSON.stringify(knobs).includes('Sup3r$ecret'), false);
});

test('credentials inside connection URLs are masked in the shown knobs', () => {
  const knobs = publicKnobs(
    loadConfig({ GENERATOR_POSTGRES_URLS: 'postgres://app:s3cr3t@db:5432/x', GENERATOR_SQLSERVER_URLS: 'Server=h,1433;User Id=sa;Password=Hunter2!;Encrypt=false' }),
  );
  assert.equal(knobs.GENERATOR_POSTGRES_URLS, 'postgres://app:***@db:5432/x');
  assert.equal(knobs.GENERATOR_SQLSERVER_URLS, 'Server=h,1433;User Id=sa;Password=***;Encrypt=false');
  assert.equal(JSON.stringify(knobs).includes('s3cr3t') || JSON.stringify(knobs).includes('Hunter2'), false);
});
